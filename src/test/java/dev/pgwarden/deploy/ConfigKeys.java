package dev.pgwarden.deploy;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import dev.pgwarden.config.GatewayConfig;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithName;

/**
 * The configuration keys the gateway actually reads, derived from its {@code @ConfigMapping}
 * interfaces the way SmallRye Config does: a method is a key segment ({@code @WithName} or
 * camelCase to kebab-case), a nested interface is a group (dotted segments), and the environment
 * form of a key is upper case with every non-alphanumeric character replaced by {@code _}.
 */
final class ConfigKeys {
    /** The Quarkus keys the deployment files may set, env form -> property (docs/configuration.md documents each). */
    static final Map<String, String> QUARKUS_ALLOWED = Map.ofEntries(
            Map.entry("QUARKUS_OIDC_AUTH_SERVER_URL", "quarkus.oidc.auth-server-url"),
            Map.entry("QUARKUS_OIDC_TOKEN_AUDIENCE", "quarkus.oidc.token.audience"),
            Map.entry("QUARKUS_OIDC_CLIENT_ID", "quarkus.oidc.client-id"),
            Map.entry("QUARKUS_OIDC_TOKEN_PRINCIPAL_CLAIM", "quarkus.oidc.token.principal-claim"),
            Map.entry("QUARKUS_HTTP_PORT", "quarkus.http.port"),
            Map.entry("QUARKUS_DATASOURCE_JDBC_URL", "quarkus.datasource.jdbc.url"),
            Map.entry("QUARKUS_DATASOURCE_USERNAME", "quarkus.datasource.username"),
            Map.entry("QUARKUS_DATASOURCE_PASSWORD", "quarkus.datasource.password"),
            Map.entry("QUARKUS_OIDC_CONSOLE_CLIENT_ID", "quarkus.oidc.console.client-id"),
            Map.entry("QUARKUS_OIDC_CONSOLE_CREDENTIALS_SECRET", "quarkus.oidc.console.credentials.secret"),
            Map.entry("QUARKUS_OIDC_CONSOLE_AUTHENTICATION_FORCE_REDIRECT_HTTPS_SCHEME",
                    "quarkus.oidc.console.authentication.force-redirect-https-scheme"),
            Map.entry("QUARKUS_OIDC_CONSOLE_AUTHENTICATION_COOKIE_FORCE_SECURE",
                    "quarkus.oidc.console.authentication.cookie-force-secure"));

    private ConfigKeys() {
    }

    /** Every {@code pgwarden.*} property name. */
    static Set<String> gatewayKeys() {
        Set<String> keys = new TreeSet<>();
        collect(GatewayConfig.class.getAnnotation(ConfigMapping.class).prefix(), GatewayConfig.class, keys);
        return keys;
    }

    /** env form -> property, for every {@code pgwarden.*} key. */
    static Map<String, String> gatewayEnvNames() {
        Map<String, String> env = new TreeMap<>();
        for (String key : gatewayKeys()) {
            env.put(envName(key), key);
        }
        return env;
    }

    static String envName(String property) {
        return property.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(java.util.Locale.ROOT);
    }

    static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
    }

    private static void collect(String prefix, Class<?> group, Set<String> keys) {
        for (Method m : group.getMethods()) {
            if (m.isDefault() || Modifier.isStatic(m.getModifiers()) || m.getParameterCount() > 0
                    || m.getDeclaringClass() == Object.class) {
                continue;
            }
            WithName name = m.getAnnotation(WithName.class);
            String key = prefix + "." + (name != null ? name.value() : kebab(m.getName()));
            Class<?> type = m.getReturnType();
            if (isGroup(type)) {
                collect(key, type, keys);
            } else {
                keys.add(key);
            }
        }
    }

    private static boolean isGroup(Class<?> type) {
        return type.isInterface() && !type.getName().startsWith("java.")
                && !Optional.class.isAssignableFrom(type) && !Collection.class.isAssignableFrom(type)
                && !Map.class.isAssignableFrom(type);
    }
}
