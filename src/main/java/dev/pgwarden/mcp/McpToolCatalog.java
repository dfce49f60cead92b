package dev.pgwarden.mcp;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import dev.pgwarden.config.GatewayConfig;
import io.quarkiverse.mcp.server.ToolManager;
import io.quarkiverse.mcp.server.ToolManager.ToolAnnotations;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.json.JsonObject;

/**
 * The tools agents see: names, what each does in words a model can act on, and hand-written JSON
 * schemas (parameters accept any JSON scalar, which generated schemas would not say). Registered
 * at start when {@code pgwarden.mcp.enabled}.
 */
@ApplicationScoped
public class McpToolCatalog {
    private static final String PARAMETERS = """
            "parameters": {"type": "array",
              "description": "Values for $1, $2, ... in order: strings, numbers, booleans or null. PostgreSQL infers each type from where it is used; add a cast ($1::int) where it cannot.",
              "items": {"type": ["string", "number", "boolean", "null"]}}""";

    @Inject
    ToolManager tools;
    @Inject
    McpToolCalls calls;
    @Inject
    GatewayConfig config;

    void register(@Observes StartupEvent ev) {
        if (!config.mcp().enabled()) {
            return;
        }
        int rowCap = config.mcp().rowCap();
        long waitSeconds = config.mcp().approvalWait().toSeconds();
        String database = config.upstream().database();
        tools.newTool("query")
                .setTitle("Run SQL")
                .setDescription("Run one SQL statement on the PostgreSQL database \"" + database + "\" through pgwarden,"
                        + " as your own identity (your token's groups map to a database role). pgwarden's policy decides"
                        + " what may run: a refused statement returns an error naming the rule; sensitive columns come"
                        + " back masked; some statements are held until a person approves them, and then the result"
                        + " says status \"pending_approval\" with an approval_id (this call waits up to " + waitSeconds
                        + " s for the decision first): call approval_status with it, or repeat the same call, to get"
                        + " the result. Pass values as parameters ($1, $2, ...) rather than inside the SQL. Returns"
                        + " columns (name, type) and rows (arrays in column order); at most " + rowCap + " rows: when"
                        + " \"truncated\" is true there were more, so narrow the query (WHERE, LIMIT, aggregates).")
                .setInputSchema(schema("""
                        "sql": {"type": "string", "description": "Exactly one SQL statement, without a trailing second statement. Use $1, $2, ... for values."},
                        """ + PARAMETERS, "sql"))
                .setAnnotations(new ToolAnnotations("Run SQL", false, true, false, false))
                .setAsyncHandler(calls::query)
                .register();
        tools.newTool("list_tables")
                .setTitle("List tables")
                .setDescription("List the tables and views your database role can read (schema, name, type), optionally"
                        + " of one schema. Use describe_table for their columns.")
                .setInputSchema(schema("""
                        "schema": {"type": "string", "description": "Only this schema (for example public). Omit for all."}""", null))
                .setAnnotations(new ToolAnnotations("List tables", true, false, true, false))
                .setAsyncHandler(calls::listTables)
                .register();
        tools.newTool("describe_table")
                .setTitle("Describe a table")
                .setDescription("Describe a table's columns you can read: name, type, nullable, default, and whether"
                        + " pgwarden masks the column for you (masked, and how). Also says which content detectors"
                        + " mask values that look like SSNs, card numbers or e-mail addresses in any column. Masked"
                        + " values cannot be unmasked by rewriting the query.")
                .setInputSchema(schema("""
                        "table": {"type": "string", "description": "Table or view name: name (schema public) or schema.name; double-quote mixed-case names."}""",
                        "table"))
                .setAnnotations(new ToolAnnotations("Describe a table", true, false, true, false))
                .setAsyncHandler(calls::describeTable)
                .register();
        tools.newTool("explain")
                .setTitle("Explain a query")
                .setDescription("Show PostgreSQL's plan for one SQL statement without running it (EXPLAIN, never"
                        + " ANALYZE): estimated rows and costs, which indexes are used. The same policy applies as"
                        + " for query. Returns the plan as rows of text.")
                .setInputSchema(schema("""
                        "sql": {"type": "string", "description": "Exactly one SQL statement to plan."},
                        """ + PARAMETERS, "sql"))
                .setAnnotations(new ToolAnnotations("Explain a query", true, false, true, false))
                .setAsyncHandler(calls::explain)
                .register();
        tools.newTool("approval_status")
                .setTitle("Result of a held statement")
                .setDescription("Get the outcome of a statement of this session that pgwarden held for a person's"
                        + " approval (the approval_id a query returned). Waits up to " + waitSeconds + " s for the"
                        + " decision. Returns status \"pending_approval\" while nobody has decided; once approved, the"
                        + " statement's result (columns and rows, as query returns them); if denied or expired, an"
                        + " error saying so.")
                .setInputSchema(schema("""
                        "approval_id": {"type": "string", "description": "The approval_id, like apr-7k2m9qxd4t."}""",
                        "approval_id"))
                .setAnnotations(new ToolAnnotations("Result of a held statement", true, false, true, false))
                .setAsyncHandler(calls::approvalStatus)
                .register();
    }

    private static JsonObject schema(String properties, String required) {
        return new JsonObject("{\"type\": \"object\", \"properties\": {" + properties + "}"
                + (required == null ? "" : ", \"required\": [\"" + required + "\"]")
                + ", \"additionalProperties\": false}");
    }
}
