package dev.pgwarden.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Every credential the deployment files hand the gateway comes from a secret (compose: a variable
 * from .env; Kubernetes: a Secret; ECS: Secrets Manager), never a literal in the file. Each check is
 * first shown to catch a literal in a doctored copy of the real file.
 */
class DeploymentSecretsTest {
    /** The settings that are credentials. */
    static final Set<String> SECRETS = Set.of("PGWARDEN_UPSTREAM_PASSWORD", "QUARKUS_DATASOURCE_PASSWORD",
            "PGWARDEN_SLACK_BOT_TOKEN", "PGWARDEN_SLACK_SIGNING_SECRET", "PGWARDEN_MASKING_HASH_KEY",
            "PGWARDEN_TEAMS_WEBHOOK_URL");
    /** What every environment must pass: the gateway does not start without these. */
    static final Set<String> REQUIRED = Set.of("PGWARDEN_UPSTREAM_PASSWORD", "QUARKUS_DATASOURCE_PASSWORD");

    // --- compose --------------------------------------------------------------------------------

    @Test
    void composeTakesEveryCredentialFromTheEnvFile() throws IOException {
        String compose = Files.readString(DeploymentFilesTest.COMPOSE);
        assertEquals(List.of(), composeProblems(compose));

        String leaked = compose.replace("QUARKUS_DATASOURCE_PASSWORD: ${STORE_DB_PASSWORD:?set STORE_DB_PASSWORD in .env}",
                "QUARKUS_DATASOURCE_PASSWORD: hunter2");
        assertEquals(List.of("pgwarden: QUARKUS_DATASOURCE_PASSWORD is a literal"), composeProblems(leaked));
        // The commented-out Slack lines are checked too: uncommenting them must not put a token in the file.
        String commentedLeak = compose.replace("# PGWARDEN_SLACK_BOT_TOKEN: ${SLACK_BOT_TOKEN:?set SLACK_BOT_TOKEN in .env}",
                "# PGWARDEN_SLACK_BOT_TOKEN: xoxb-123");
        assertEquals(List.of("commented PGWARDEN_SLACK_BOT_TOKEN is a literal"), composeProblems(commentedLeak));
    }

    @SuppressWarnings("unchecked")
    static List<String> composeProblems(String text) {
        List<String> problems = new ArrayList<>();
        Map<String, Object> services = (Map<String, Object>) yaml(text).get("services");
        Set<String> seen = new TreeSet<>();
        for (var service : services.entrySet()) {
            Map<String, String> env = DeploymentFilesTest.environment(((Map<String, Object>) service.getValue()).get("environment"));
            for (var e : env.entrySet()) {
                if (SECRETS.contains(e.getKey())) {
                    seen.add(e.getKey());
                    if (!isEnvFileReference(e.getValue())) {
                        problems.add(service.getKey() + ": " + e.getKey() + " is a literal");
                    }
                }
            }
        }
        Matcher commented = Pattern.compile("(?m)^\\s*#\\s*([A-Z0-9_]+):\\s*(.*)$").matcher(text);
        while (commented.find()) {
            if (SECRETS.contains(commented.group(1)) && !isEnvFileReference(commented.group(2).strip())) {
                problems.add("commented " + commented.group(1) + " is a literal");
            }
        }
        missing(seen, problems);
        return problems;
    }

    /** {@code ${VAR}} or {@code ${VAR:?message}}: docker compose fills it in from .env. */
    private static boolean isEnvFileReference(String value) {
        return value.matches("\\$\\{[A-Z0-9_]+(:\\?[^}]*)?}");
    }

    // --- Kubernetes -----------------------------------------------------------------------------

    @Test
    void kubernetesTakesEveryCredentialFromASecret() throws IOException {
        String manifest = Files.readString(DeploymentFilesTest.K8S);
        assertEquals(List.of(), k8sProblems(manifest));

        String leaked = manifest.replace("""
                            - name: QUARKUS_DATASOURCE_PASSWORD
                              valueFrom:
                                secretKeyRef:
                                  name: pgwarden-upstream
                                  key: store-password
                """, """
                            - name: QUARKUS_DATASOURCE_PASSWORD
                              value: hunter2
                """);
        assertEquals(List.of("QUARKUS_DATASOURCE_PASSWORD is a literal", "QUARKUS_DATASOURCE_PASSWORD is not passed"),
                k8sProblems(leaked));
        String wrongKey = manifest.replace("key: store-password", "key: store-pasword");
        assertEquals(List.of("QUARKUS_DATASOURCE_PASSWORD: Secret pgwarden-upstream has no key store-pasword"),
                k8sProblems(wrongKey));
    }

    @SuppressWarnings("unchecked")
    static List<String> k8sProblems(String text) {
        List<String> problems = new ArrayList<>();
        Map<String, Map<String, Object>> secrets = new LinkedHashMap<>();
        List<Map<String, Object>> containers = new ArrayList<>();
        for (Object d : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(text)) {
            Map<String, Object> doc = (Map<String, Object>) d;
            if (doc == null) {
                continue;
            }
            if ("Secret".equals(doc.get("kind"))) {
                Map<String, Object> data = new LinkedHashMap<>();
                data.putAll((Map<String, Object>) doc.getOrDefault("stringData", Map.of()));
                data.putAll((Map<String, Object>) doc.getOrDefault("data", Map.of()));
                secrets.put(String.valueOf(DeploymentFilesTest.map(doc, "metadata").get("name")), data);
            } else if ("Deployment".equals(doc.get("kind"))) {
                Map<String, Object> pod = DeploymentFilesTest.map(doc, "spec", "template", "spec");
                for (String list : List.of("containers", "initContainers")) {
                    containers.addAll((List<Map<String, Object>>) pod.getOrDefault(list, List.of()));
                }
            }
        }
        Set<String> seen = new TreeSet<>();
        for (Map<String, Object> c : containers) {
            for (Map<String, Object> e : (List<Map<String, Object>>) c.getOrDefault("env", List.of())) {
                String name = String.valueOf(e.get("name"));
                if (!SECRETS.contains(name)) {
                    continue;
                }
                Object ref = e.get("valueFrom") instanceof Map<?, ?> from ? from.get("secretKeyRef") : null;
                if (!(ref instanceof Map<?, ?> secretRef)) {
                    problems.add(name + " is a literal");
                    continue;
                }
                seen.add(name);
                Map<String, Object> secret = secrets.get(String.valueOf(secretRef.get("name")));
                if (secret != null && !secret.containsKey(String.valueOf(secretRef.get("key")))) {
                    problems.add(name + ": Secret " + secretRef.get("name") + " has no key " + secretRef.get("key"));
                } else if (secret == null && !Boolean.TRUE.equals(secretRef.get("optional"))) {
                    // A Secret created out of band: the pods would not start until it exists.
                    problems.add(name + ": Secret " + secretRef.get("name") + " is not in the file and not optional");
                }
            }
        }
        missing(seen, problems);
        return problems;
    }

    // --- ECS ------------------------------------------------------------------------------------

    @Test
    void ecsTakesEveryCredentialFromSecretsManager() throws IOException {
        String template = Files.readString(DeploymentFilesTest.ECS);
        assertEquals(List.of(), ecsProblems(template));

        String leaked = template.replace("""
                            - Name: QUARKUS_DATASOURCE_USERNAME
                              Value: !Ref StoreUser
                """, """
                            - Name: QUARKUS_DATASOURCE_USERNAME
                              Value: !Ref StoreUser
                            - Name: PGWARDEN_SLACK_BOT_TOKEN
                              Value: !Ref SlackChannel
                """);
        assertEquals(List.of("PGWARDEN_SLACK_BOT_TOKEN is a plain environment value"), ecsProblems(leaked));
        String fromParameter = template.replace("ValueFrom: !Ref StorePasswordSecretArn", "ValueFrom: !Ref StoreUser");
        assertEquals(List.of("QUARKUS_DATASOURCE_PASSWORD comes from StoreUser, not a Secrets Manager ARN parameter"),
                ecsProblems(fromParameter));
    }

    @SuppressWarnings("unchecked")
    static List<String> ecsProblems(String text) {
        List<String> problems = new ArrayList<>();
        Map<String, Object> template = CloudFormationYaml.parse(text);
        Map<String, Map<String, Object>> parameters = (Map<String, Map<String, Object>>) template.get("Parameters");
        Set<String> seen = new TreeSet<>();
        for (Object r : ((Map<String, Object>) template.get("Resources")).values()) {
            Map<String, Object> res = (Map<String, Object>) r;
            if (!"AWS::ECS::TaskDefinition".equals(res.get("Type"))) {
                continue;
            }
            for (Map<String, Object> c : (List<Map<String, Object>>) DeploymentFilesTest.map(res, "Properties")
                    .get("ContainerDefinitions")) {
                for (Map<String, Object> e : DeploymentFilesTest.ecsEntries(c, "Environment")) {
                    if (SECRETS.contains(String.valueOf(e.get("Name")))) {
                        problems.add(e.get("Name") + " is a plain environment value");
                    }
                }
                for (Map<String, Object> e : DeploymentFilesTest.ecsEntries(c, "Secrets")) {
                    String name = String.valueOf(e.get("Name"));
                    Object from = e.get("ValueFrom") instanceof Map<?, ?> m ? m.get("Ref") : null;
                    if (!SECRETS.contains(name)) {
                        continue;
                    }
                    seen.add(name);
                    Map<String, Object> parameter = parameters.get(String.valueOf(from));
                    if (parameter == null || !String.valueOf(from).endsWith("SecretArn")
                            || !String.valueOf(parameter.get("Description")).contains("Secrets Manager")) {
                        problems.add(name + " comes from " + from + ", not a Secrets Manager ARN parameter");
                    }
                }
            }
        }
        // ECS wires Slack as well (behind a condition): the bot token and signing secret never travel as parameters.
        for (String slack : List.of("PGWARDEN_SLACK_BOT_TOKEN", "PGWARDEN_SLACK_SIGNING_SECRET")) {
            if (!seen.contains(slack) && problems.stream().noneMatch(p -> p.startsWith(slack))) {
                problems.add(slack + " is not passed");
            }
        }
        missing(seen, problems);
        return problems;
    }

    // --- helpers --------------------------------------------------------------------------------

    private static void missing(Set<String> seen, List<String> problems) {
        for (String required : new TreeSet<>(REQUIRED)) {
            if (!seen.contains(required)) {
                problems.add(required + " is not passed");
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> yaml(String text) {
        return (Map<String, Object>) new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
    }
}
