package dev.pgwarden.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
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

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.pgwarden.config.GatewayConfig;
import dev.pgwarden.image.ImageLayout;
import dev.pgwarden.policy.PolicyLoader;
import dev.pgwarden.policy.RoleMapping;
import io.smallrye.config.WithDefault;

/**
 * The deployment files (compose, Kubernetes, CloudFormation, Dockerfile, the Jib image) parse, reference only
 * what they define, and set only configuration keys the gateway really has.
 */
class DeploymentFilesTest {
    static final Path COMPOSE = Path.of("deploy/compose/docker-compose.yml");
    static final Path REALM = Path.of("deploy/compose/keycloak/pgwarden-realm.json");
    static final Path K8S = Path.of("deploy/k8s/pgwarden.yaml");
    static final Path ECS = Path.of("deploy/aws/pgwarden-ecs.yaml");
    static final Path DOCKERFILE = Path.of("src/main/docker/Dockerfile.jvm");
    /** The Jib-built image's environment is defined here (dev.pgwarden.image.ImageLayout). */
    static final Path IMAGE_LAYOUT = Path.of("src/test/java/dev/pgwarden/image/ImageLayout.java");
    static final Path EXAMPLE_POLICY = Path.of("deploy/policy.example.yaml");

    /** The parameter types of CloudFormation (the AWS-specific ones this template might use). */
    static final Set<String> PARAMETER_TYPES = Set.of("String", "Number", "List<Number>", "CommaDelimitedList",
            "AWS::EC2::VPC::Id", "AWS::EC2::Subnet::Id", "List<AWS::EC2::Subnet::Id>", "AWS::EC2::SecurityGroup::Id",
            "List<AWS::EC2::SecurityGroup::Id>", "AWS::EC2::AvailabilityZone::Name", "List<AWS::EC2::AvailabilityZone::Name>",
            "AWS::EC2::KeyPair::KeyName", "AWS::EC2::Image::Id", "AWS::Route53::HostedZone::Id", "AWS::SSM::Parameter::Name",
            "AWS::SSM::Parameter::Value<String>");

    static final Set<String> PSEUDO_PARAMETERS = Set.of("AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue",
            "AWS::Partition", "AWS::Region", "AWS::StackId", "AWS::StackName", "AWS::URLSuffix");

    // --- configuration keys ---------------------------------------------------------------------

    @Test
    void configKeysAreDerivedFromTheConfigMapping() {
        Map<String, String> env = ConfigKeys.gatewayEnvNames();
        assertEquals("pgwarden.upstream.password-file", env.get("PGWARDEN_UPSTREAM_PASSWORD_FILE"));
        assertEquals("pgwarden.dev-issuer.enabled", env.get("PGWARDEN_DEV_ISSUER_ENABLED"));
        assertEquals("pgwarden.listen.shutdown-grace", env.get("PGWARDEN_LISTEN_SHUTDOWN_GRACE"));
        assertEquals("pgwarden.identity.groups-claim", env.get("PGWARDEN_IDENTITY_GROUPS_CLAIM"));
        assertEquals("pgwarden.api.admin-groups", env.get("PGWARDEN_API_ADMIN_GROUPS"));
        assertFalse(env.containsKey("PGWARDEN_UPSTREAM"), "groups are not keys");
    }

    @Test
    void configurationReferenceDocumentsEveryConfigKey() throws IOException {
        String reference = Files.readString(Path.of("docs/configuration.md"));
        for (String key : ConfigKeys.gatewayKeys()) {
            String last = key.substring(key.lastIndexOf('.'));
            assertTrue(reference.contains("`" + key + "`") || reference.contains("/ `" + last + "`"),
                    "docs/configuration.md lacks " + key);
        }
        for (String property : ConfigKeys.QUARKUS_ALLOWED.values()) {
            assertTrue(reference.contains("`" + property + "`"), "docs/configuration.md lacks " + property);
        }
    }

    @Test
    void everyEnvVarInTheDeploymentFilesIsARealConfigKey() throws IOException {
        Map<String, Set<String>> bySource = new LinkedHashMap<>();
        bySource.put(COMPOSE.toString(), composeEnv());
        bySource.put(K8S.toString(), k8sEnv());
        bySource.put(ECS.toString(), ecsEnv());
        bySource.put(DOCKERFILE.toString(), dockerfileEnv());
        bySource.put(IMAGE_LAYOUT.toString(), imageEnv());
        Map<String, String> known = ConfigKeys.gatewayEnvNames();
        List<String> unknown = new ArrayList<>();
        for (var e : bySource.entrySet()) {
            assertFalse(e.getValue().isEmpty(), e.getKey() + " sets no pgwarden configuration?");
            // Commented-out settings (Slack, TLS) are meant to be uncommented: they must be real keys too.
            Set<String> names = new TreeSet<>(e.getValue());
            names.addAll(commentedEnv(Path.of(e.getKey())));
            for (String name : names) {
                boolean ok = name.startsWith("PGWARDEN_") ? known.containsKey(name)
                        : ConfigKeys.QUARKUS_ALLOWED.containsKey(name);
                if (!ok) {
                    unknown.add(e.getKey() + ": " + name);
                }
            }
        }
        assertTrue(unknown.isEmpty(), "environment variables that map to no configuration key: " + unknown
                + "\nknown pgwarden keys: " + known.keySet());
        // The keys the deploy issue asks every environment to set.
        for (String required : List.of("PGWARDEN_UPSTREAM_HOST", "PGWARDEN_UPSTREAM_DATABASE", "PGWARDEN_UPSTREAM_USER",
                "PGWARDEN_UPSTREAM_PASSWORD", "PGWARDEN_POLICY_FILE", "PGWARDEN_IDENTITY_GROUPS_CLAIM",
                "QUARKUS_OIDC_AUTH_SERVER_URL", "QUARKUS_OIDC_TOKEN_AUDIENCE",
                // the gateway's store: it does not start without one
                "QUARKUS_DATASOURCE_JDBC_URL", "QUARKUS_DATASOURCE_USERNAME", "QUARKUS_DATASOURCE_PASSWORD")) {
            for (String source : List.of(COMPOSE.toString(), K8S.toString(), ECS.toString())) {
                assertTrue(bySource.get(source).contains(required), source + " does not set " + required);
            }
        }
    }

    // --- compose --------------------------------------------------------------------------------

    @Test
    @SuppressWarnings("unchecked")
    void composeRunsPostgresKeycloakAndTheGateway() throws IOException {
        Map<String, Object> compose = yaml(COMPOSE);
        Map<String, Object> services = (Map<String, Object>) compose.get("services");
        assertEquals(Set.of("postgres", "keycloak", "pgwarden"), services.keySet());
        assertTrue(String.valueOf(((Map<String, Object>) services.get("postgres")).get("image")).startsWith("postgres:15"));
        assertTrue(String.valueOf(((Map<String, Object>) services.get("keycloak")).get("image"))
                .startsWith("quay.io/keycloak/keycloak"));
        Map<String, Object> gw = (Map<String, Object>) services.get("pgwarden");
        Map<String, Object> build = (Map<String, Object>) gw.get("build");
        Path context = COMPOSE.getParent().resolve(String.valueOf(build.get("context"))).normalize();
        assertTrue(Files.isRegularFile(context.resolve(String.valueOf(build.get("dockerfile")))), "dockerfile");

        Map<String, String> env = environment(gw.get("environment"));
        assertEquals("http://keycloak:8080/realms/pgwarden", env.get("QUARKUS_OIDC_AUTH_SERVER_URL"));
        assertEquals("pgwarden", env.get("QUARKUS_OIDC_TOKEN_AUDIENCE"));
        assertEquals("groups", env.get("PGWARDEN_IDENTITY_GROUPS_CLAIM"));
        assertEquals("postgres", env.get("PGWARDEN_UPSTREAM_HOST"));

        // Every bind mount's host side exists, and the policy file is one of them: the example policy.
        Map<String, Path> mounts = new LinkedHashMap<>();
        for (var service : services.values()) {
            for (Object v : (List<Object>) ((Map<String, Object>) service).getOrDefault("volumes", List.of())) {
                String[] parts = String.valueOf(v).split(":");
                if (parts[0].startsWith(".")) {
                    Path host = COMPOSE.getParent().resolve(parts[0]).normalize();
                    assertTrue(Files.exists(host), "compose mounts a missing file: " + host);
                    mounts.put(parts[1], host);
                }
            }
        }
        assertEquals(EXAMPLE_POLICY.normalize(), mounts.get(env.get("PGWARDEN_POLICY_FILE")));
        assertEquals(Path.of("src/test/resources/fixture/init.sql"), mounts.get("/fixture/init.sql"));
        String init = Files.readString(COMPOSE.getParent().resolve("initdb/10-shop.sh"));
        for (Matcher m = Pattern.compile("\\{\\{([A-Z_]+)}}").matcher(Files.readString(mounts.get("/fixture/init.sql")));
                m.find();) {
            assertTrue(init.contains("{{" + m.group(1) + "}}"), "initdb/10-shop.sh leaves " + m.group() + " unreplaced");
        }
        // The store the gateway uses is the database initdb/20-store.sh creates, with its owner and password.
        String storeInit = Files.readString(mounts.get("/docker-entrypoint-initdb.d/20-store.sh"));
        Matcher created = Pattern.compile("CREATE DATABASE (\\w+) OWNER (\\w+)").matcher(storeInit);
        assertTrue(created.find(), "initdb/20-store.sh creates the store database");
        assertEquals("jdbc:postgresql://postgres:5432/" + created.group(1), env.get("QUARKUS_DATASOURCE_JDBC_URL"));
        assertEquals(created.group(2), env.get("QUARKUS_DATASOURCE_USERNAME"));
        Matcher storePassword = Pattern.compile("\\$\\{(\\w+)").matcher(env.get("QUARKUS_DATASOURCE_PASSWORD"));
        assertTrue(storePassword.find(), "the store password comes from .env");
        Map<String, String> postgresEnv = environment(((Map<String, Object>) services.get("postgres")).get("environment"));
        assertTrue(postgresEnv.getOrDefault("STORE_DB_PASSWORD", "").startsWith("${" + storePassword.group(1)),
                "initdb/20-store.sh reads STORE_DB_PASSWORD, bound to the same .env variable as the gateway's");
        assertTrue(storeInit.contains("\"${STORE_DB_PASSWORD:?"), "initdb/20-store.sh fails without its password");

        // Every ${VAR} the compose file needs is in .env.example.
        String envExample = Files.readString(COMPOSE.getParent().resolve(".env.example"));
        for (Matcher m = Pattern.compile("\\$\\{([A-Z_]+)").matcher(Files.readString(COMPOSE)); m.find();) {
            assertTrue(envExample.contains(m.group(1) + "="), ".env.example lacks " + m.group(1));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void keycloakRealmHasTheClientMappersGroupsAndUsers() throws Exception {
        JsonNode realm = new ObjectMapper().readTree(REALM.toFile());
        assertEquals("pgwarden", realm.get("realm").asText());
        JsonNode client = null;
        for (JsonNode c : realm.get("clients")) {
            if (c.get("clientId").asText().equals("pgwarden")) {
                client = c;
            }
        }
        assertNotNull(client, "client pgwarden");
        assertTrue(client.get("directAccessGrantsEnabled").asBoolean(), "password grant for the demo");
        Map<String, JsonNode> mappers = new LinkedHashMap<>();
        client.get("protocolMappers").forEach(m -> mappers.put(m.get("protocolMapper").asText(), m.get("config")));
        JsonNode audience = mappers.get("oidc-audience-mapper");
        assertEquals("pgwarden", audience.get("included.client.audience").asText());
        assertEquals("true", audience.get("access.token.claim").asText());
        JsonNode groups = mappers.get("oidc-group-membership-mapper");
        assertEquals("groups", groups.get("claim.name").asText());
        assertEquals("false", groups.get("full.path").asText());
        assertEquals("true", groups.get("access.token.claim").asText());

        Set<String> groupNames = new TreeSet<>();
        realm.get("groups").forEach(g -> groupNames.add(g.get("name").asText()));
        Map<String, Set<String>> membersOf = new LinkedHashMap<>();
        realm.get("users").forEach(u -> u.get("groups").forEach(
                g -> membersOf.computeIfAbsent(g.asText().replaceFirst("^/", ""), k -> new TreeSet<>())
                        .add(u.get("username").asText())));
        assertTrue(groupNames.containsAll(membersOf.keySet()), "users only in groups the realm defines: " + membersOf);
        assertEquals(Set.of("agent-7"), membersOf.get("analysts"));

        // The groups the gateway checks, as compose configures it (or the default): someone is in each.
        Map<String, String> composeEnv = environment(((Map<String, Object>) ((Map<String, Object>) yaml(COMPOSE)
                .get("services")).get("pgwarden")).get("environment"));
        for (RoleMapping mapping : PolicyLoader.load(EXAMPLE_POLICY).roles()) {
            assertTrue(membersOf.containsKey(mapping.group()), "nobody in " + mapping.group() + ", mapped by the policy");
        }
        List<String> approverGroups = List.of(composeEnv.getOrDefault("PGWARDEN_APPROVALS_APPROVER_GROUPS",
                configDefault(GatewayConfig.Approvals.class, "approverGroups")).split(","));
        assertTrue(approverGroups.stream().anyMatch(membersOf::containsKey), "an approver in " + approverGroups);
        List<String> adminGroups = List.of(configDefault(GatewayConfig.Api.class, "adminGroups").split(","));
        assertTrue(adminGroups.contains("auditors") && membersOf.containsKey("auditors"), "an auditor in auditors");
    }

    private static String configDefault(Class<?> group, String method) throws NoSuchMethodException {
        return group.getMethod(method).getAnnotation(WithDefault.class).value();
    }

    @Test
    @SuppressWarnings("unchecked")
    void theConsoleLoginClientIsInTheRealmAndItsSecretComesFromSecrets() throws Exception {
        JsonNode console = null;
        for (JsonNode c : new ObjectMapper().readTree(REALM.toFile()).get("clients")) {
            if (c.get("clientId").asText().equals("pgwarden-console")) {
                console = c;
            }
        }
        assertNotNull(console, "client pgwarden-console");
        assertFalse(console.get("publicClient").asBoolean(), "a confidential client: the gateway holds its secret");
        assertEquals("${CONSOLE_CLIENT_SECRET}", console.get("secret").asText(), "the secret comes from .env, not the file");
        assertTrue(console.get("redirectUris").toString().contains("/console/callback"));
        assertEquals("S256", console.get("attributes").get("pkce.code.challenge.method").asText());

        Map<String, Object> services = (Map<String, Object>) yaml(COMPOSE).get("services");
        Map<String, String> gw = environment(((Map<String, Object>) services.get("pgwarden")).get("environment"));
        Map<String, String> kc = environment(((Map<String, Object>) services.get("keycloak")).get("environment"));
        assertEquals("pgwarden-console", gw.get("QUARKUS_OIDC_CONSOLE_CLIENT_ID"));
        assertTrue(gw.get("QUARKUS_OIDC_CONSOLE_CREDENTIALS_SECRET").startsWith("${CONSOLE_CLIENT_SECRET"));
        assertEquals(gw.get("QUARKUS_OIDC_CONSOLE_CREDENTIALS_SECRET"), kc.get("CONSOLE_CLIENT_SECRET"));

        String k8s = Files.readString(K8S);
        assertTrue(Pattern.compile("name: QUARKUS_OIDC_CONSOLE_CREDENTIALS_SECRET\\s+valueFrom:\\s+secretKeyRef:").matcher(k8s)
                .find(), "Kubernetes takes the console secret from a Secret");
        String ecs = Files.readString(ECS);
        assertTrue(Pattern.compile("Name: QUARKUS_OIDC_CONSOLE_CREDENTIALS_SECRET\\s+ValueFrom: !Ref ConsoleClientSecretArn")
                .matcher(ecs).find(), "ECS takes the console secret from Secrets Manager");
    }

    // --- Kubernetes -----------------------------------------------------------------------------

    @Test
    @SuppressWarnings("unchecked")
    void kubernetesManifestsAreComplete() throws Exception {
        Map<String, Map<String, Object>> byKind = new LinkedHashMap<>();
        for (Map<String, Object> doc : k8sDocuments()) {
            byKind.put((String) doc.get("kind"), doc);
        }
        assertEquals(Set.of("ConfigMap", "Secret", "Deployment", "Service", "PodDisruptionBudget"), byKind.keySet());

        Map<String, Object> deployment = byKind.get("Deployment");
        Map<String, Object> spec = map(deployment, "spec");
        assertEquals(2, spec.get("replicas"));
        Map<String, Object> podLabels = map(spec, "template", "metadata", "labels");
        assertEquals(map(spec, "selector", "matchLabels"), podLabels);
        Map<String, Object> pod = map(spec, "template", "spec");
        assertEquals(Boolean.TRUE, map(pod, "securityContext").get("runAsNonRoot"));
        Map<String, Object> container = ((List<Map<String, Object>>) pod.get("containers")).get(0);
        assertEquals("/q/health/ready", map(container, "readinessProbe", "httpGet").get("path"));
        assertEquals("/q/health/live", map(container, "livenessProbe", "httpGet").get("path"));
        assertNotNull(map(container, "resources", "requests").get("memory"));
        assertNotNull(map(container, "resources", "limits").get("memory"));
        assertEquals(Boolean.TRUE, map(container, "securityContext").get("readOnlyRootFilesystem"));
        assertEquals(Boolean.TRUE, map(container, "securityContext").get("runAsNonRoot"));
        Set<Object> containerPorts = new TreeSet<>();
        ((List<Map<String, Object>>) container.get("ports")).forEach(p -> containerPorts.add(p.get("containerPort")));
        assertEquals(Set.of(15432, 8080), containerPorts);

        // The upstream password comes from the Secret defined here.
        Map<String, Object> passwordEnv = ((List<Map<String, Object>>) container.get("env")).stream()
                .filter(e -> "PGWARDEN_UPSTREAM_PASSWORD".equals(e.get("name"))).findFirst().orElseThrow();
        Map<String, Object> secretRef = map(passwordEnv, "valueFrom", "secretKeyRef");
        assertEquals(map(byKind.get("Secret"), "metadata").get("name"), secretRef.get("name"));
        assertTrue(map(byKind.get("Secret"), "stringData").containsKey(secretRef.get("key")));

        // The policy file is the ConfigMap's key, mounted as a directory (hot reload works), and valid.
        String policyFile = envValue(container, "PGWARDEN_POLICY_FILE");
        Map<String, Object> configMap = byKind.get("ConfigMap");
        String volume = ((List<Map<String, Object>>) pod.get("volumes")).stream()
                .filter(v -> v.containsKey("configMap")
                        && map(configMap, "metadata").get("name").equals(map(v, "configMap").get("name")))
                .map(v -> (String) v.get("name")).findFirst().orElseThrow();
        Map<String, Object> mount = ((List<Map<String, Object>>) container.get("volumeMounts")).stream()
                .filter(m -> volume.equals(m.get("name"))).findFirst().orElseThrow();
        assertFalse(mount.containsKey("subPath"), "a subPath mount never sees ConfigMap updates");
        String key = Path.of((String) mount.get("mountPath")).relativize(Path.of(policyFile)).toString();
        String policy = (String) map(configMap, "data").get(key);
        assertNotNull(policy, "ConfigMap key " + key + " behind PGWARDEN_POLICY_FILE=" + policyFile);
        assertEquals(Files.readString(EXAMPLE_POLICY).strip(), policy.strip(), "ConfigMap policy = deploy/policy.example.yaml");
        Path tmp = Files.createTempFile("k8s-policy", ".yaml");
        try {
            Files.writeString(tmp, policy);
            assertFalse(PolicyLoader.load(tmp).roles().isEmpty());
        } finally {
            Files.delete(tmp);
        }
        // Writable /tmp with a read-only root file system.
        assertTrue(((List<Map<String, Object>>) container.get("volumeMounts")).stream()
                .anyMatch(m -> "/tmp".equals(m.get("mountPath"))), "/tmp mount");

        Map<String, Object> service = byKind.get("Service");
        Set<Object> servicePorts = new TreeSet<>();
        ((List<Map<String, Object>>) map(service, "spec").get("ports")).forEach(p -> servicePorts.add(p.get("port")));
        assertEquals(Set.of(15432, 8080), servicePorts);
        assertEquals(podLabels, map(service, "spec").get("selector"));

        Map<String, Object> pdb = map(byKind.get("PodDisruptionBudget"), "spec");
        assertEquals(1, pdb.get("minAvailable"));
        assertEquals(podLabels, map(pdb, "selector", "matchLabels"));
    }

    // --- CloudFormation -------------------------------------------------------------------------

    @Test
    @SuppressWarnings("unchecked")
    void cloudFormationReferencesResolve() throws IOException {
        Map<String, Object> template = CloudFormationYaml.parse(Files.readString(ECS));
        Set<String> parameters = ((Map<String, Object>) template.get("Parameters")).keySet();
        Set<String> resources = ((Map<String, Object>) template.get("Resources")).keySet();
        Set<String> conditions = ((Map<String, Object>) template.getOrDefault("Conditions", Map.of())).keySet();
        Set<String> refable = new TreeSet<>(parameters);
        refable.addAll(resources);
        refable.addAll(PSEUDO_PARAMETERS);

        List<String> problems = new ArrayList<>();
        int[] checked = new int[1];
        walk(template, "", (path, fn, arg) -> {
            checked[0]++;
            switch (fn) {
                case "Ref" -> {
                    if (!refable.contains(String.valueOf(arg))) {
                        problems.add(path + ": Ref " + arg);
                    }
                }
                case "Fn::GetAtt" -> {
                    List<Object> parts = (List<Object>) arg;
                    if (!resources.contains(String.valueOf(parts.get(0)))) {
                        problems.add(path + ": GetAtt " + parts);
                    }
                }
                case "Fn::Sub" -> {
                    String text = arg instanceof List<?> l ? String.valueOf(l.get(0)) : String.valueOf(arg);
                    Set<String> local = arg instanceof List<?> l && l.size() > 1
                            ? ((Map<String, Object>) l.get(1)).keySet() : Set.of();
                    for (String var : subVariables(text)) {
                        String name = var.contains(".") && !var.startsWith("AWS::") ? var.substring(0, var.indexOf('.')) : var;
                        boolean ok = local.contains(var) || (var.contains(".") && !var.startsWith("AWS::")
                                ? resources.contains(name) : refable.contains(name));
                        if (!ok) {
                            problems.add(path + ": Sub ${" + var + "}");
                        }
                    }
                }
                case "Fn::If" -> {
                    if (!conditions.contains(String.valueOf(((List<Object>) arg).get(0)))) {
                        problems.add(path + ": If " + arg);
                    }
                }
                default -> {
                }
            }
        });
        for (var r : ((Map<String, Map<String, Object>>) template.get("Resources")).entrySet()) {
            Object dependsOn = r.getValue().get("DependsOn");
            List<Object> deps = dependsOn instanceof List<?> l ? (List<Object>) l
                    : dependsOn == null ? List.of() : List.of(dependsOn);
            for (Object d : deps) {
                if (!resources.contains(String.valueOf(d))) {
                    problems.add(r.getKey() + ": DependsOn " + d);
                }
            }
        }
        assertTrue(problems.isEmpty(), "unresolved references: " + problems);
        assertTrue(checked[0] > 40, "the walker saw the intrinsic functions (" + checked[0] + ")");
        for (String p : List.of("VpcId", "Image", "UpstreamHost", "UpstreamPort", "UpstreamDatabase", "UpstreamUser",
                "OidcIssuerUrl", "CertificateArn", "UpstreamPasswordSecretArn", "StoreJdbcUrl", "StoreUser",
                "StorePasswordSecretArn", "SlackBotTokenSecretArn", "SlackSigningSecretArn", "SlackChannel")) {
            assertTrue(parameters.contains(p), "parameter " + p);
        }
        // A type CloudFormation does not know fails the whole stack at deploy time.
        for (var p : ((Map<String, Map<String, Object>>) template.get("Parameters")).entrySet()) {
            assertTrue(PARAMETER_TYPES.contains(String.valueOf(p.getValue().get("Type"))),
                    "parameter " + p.getKey() + " has type " + p.getValue().get("Type"));
        }
        // Every declared parameter is used.
        String text = Files.readString(ECS);
        for (String p : parameters) {
            assertTrue(text.contains("!Ref " + p) || text.contains("${" + p + "}"), "unused parameter " + p);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void cloudFormationWiresLoadBalancersTasksAndSecrets() throws IOException {
        Map<String, Object> template = CloudFormationYaml.parse(Files.readString(ECS));
        Map<String, Map<String, Object>> resources = (Map<String, Map<String, Object>>) template.get("Resources");
        Map<String, Object> service = properties(resources, "AWS::ECS::Service");
        assertEquals(Map.of("Ref", "DesiredCount"), service.get("DesiredCount"));
        assertEquals(2, ((Map<String, Object>) ((Map<String, Object>) template.get("Parameters")).get("DesiredCount"))
                .get("Default"));
        assertEquals("FARGATE", service.get("LaunchType"));

        Map<String, Object> tcp = byProperty(resources, "AWS::ElasticLoadBalancingV2::Listener", "Protocol", "TCP");
        assertEquals(5432, tcp.get("Port"));
        Map<String, Object> pgGroup = targetOf(resources, tcp);
        assertEquals(15432, pgGroup.get("Port"));
        assertEquals("/q/health/ready", pgGroup.get("HealthCheckPath"));
        Map<String, Object> https = byProperty(resources, "AWS::ElasticLoadBalancingV2::Listener", "Protocol", "HTTPS");
        assertEquals(Map.of("Ref", "CertificateArn"),
                ((List<Map<String, Object>>) https.get("Certificates")).get(0).get("CertificateArn"));
        Map<String, Object> httpGroup = targetOf(resources, https);
        assertEquals(8080, httpGroup.get("Port"));
        assertEquals("/q/health/ready", httpGroup.get("HealthCheckPath"));

        // Tasks admit only the load balancers' security groups.
        Map<String, Object> taskSg = resources.get("TaskSecurityGroup");
        for (Map<String, Object> rule : (List<Map<String, Object>>) ((Map<String, Object>) taskSg.get("Properties"))
                .get("SecurityGroupIngress")) {
            assertFalse(rule.containsKey("CidrIp"), "tasks must not be open to an address range: " + rule);
            String source = String.valueOf(((Map<String, Object>) rule.get("SourceSecurityGroupId")).get("Ref"));
            assertTrue(source.equals("NlbSecurityGroup") || source.equals("AlbSecurityGroup"), source);
        }

        // The container: ports, secrets from Secrets Manager, the execution role may read exactly those.
        Map<String, Object> task = properties(resources, "AWS::ECS::TaskDefinition");
        Map<String, Object> gateway = ((List<Map<String, Object>>) task.get("ContainerDefinitions")).stream()
                .filter(c -> "pgwarden".equals(c.get("Name"))).findFirst().orElseThrow();
        Set<Object> ports = new TreeSet<>();
        ((List<Map<String, Object>>) gateway.get("PortMappings")).forEach(p -> ports.add(p.get("ContainerPort")));
        assertEquals(Set.of(15432, 8080), ports);
        assertEquals("awslogs", ((Map<String, Object>) gateway.get("LogConfiguration")).get("LogDriver"));
        String policies = String.valueOf(resources.get("ExecutionRole"));
        for (var c : (List<Map<String, Object>>) task.get("ContainerDefinitions")) {
            for (Map<String, Object> secret : ecsEntries(c, "Secrets")) {
                Object ref = ((Map<String, Object>) secret.get("ValueFrom")).get("Ref");
                assertTrue(policies.contains("{Ref=" + ref + "}"), "execution role cannot read " + ref);
            }
        }
        assertTrue(policies.contains("secretsmanager:GetSecretValue"));
    }

    // --- helpers --------------------------------------------------------------------------------

    private interface IntrinsicVisitor {
        void visit(String path, String function, Object argument);
    }

    @SuppressWarnings("unchecked")
    private static void walk(Object node, String path, IntrinsicVisitor visitor) {
        if (node instanceof Map<?, ?> m) {
            if (m.size() == 1) {
                String k = String.valueOf(m.keySet().iterator().next());
                if (k.equals("Ref") || k.startsWith("Fn::")) {
                    visitor.visit(path, k, m.get(k));
                }
            }
            for (var e : ((Map<Object, Object>) m).entrySet()) {
                walk(e.getValue(), path + "/" + e.getKey(), visitor);
            }
        } else if (node instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                walk(l.get(i), path + "[" + i + "]", visitor);
            }
        }
    }

    /** ${Name} and ${Resource.Attr} in a Sub string; ${!Literal} is an escape. */
    static Set<String> subVariables(String text) {
        Set<String> vars = new LinkedHashSet<>();
        Matcher m = Pattern.compile("\\$\\{([^}!][^}]*)}").matcher(text);
        while (m.find()) {
            vars.add(m.group(1).strip());
        }
        return vars;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> properties(Map<String, Map<String, Object>> resources, String type) {
        List<Map<String, Object>> found = resources.values().stream().filter(r -> type.equals(r.get("Type")))
                .map(r -> (Map<String, Object>) r.get("Properties")).toList();
        assertEquals(1, found.size(), type);
        return found.get(0);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> byProperty(Map<String, Map<String, Object>> resources, String type, String key,
            Object value) {
        return resources.values().stream().filter(r -> type.equals(r.get("Type")))
                .map(r -> (Map<String, Object>) r.get("Properties")).filter(p -> value.equals(p.get(key)))
                .findFirst().orElseThrow(() -> new AssertionError(type + " with " + key + "=" + value));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> targetOf(Map<String, Map<String, Object>> resources, Map<String, Object> listener) {
        Map<String, Object> action = ((List<Map<String, Object>>) listener.get("DefaultActions")).get(0);
        String group = String.valueOf(((Map<String, Object>) action.get("TargetGroupArn")).get("Ref"));
        return (Map<String, Object>) resources.get(group).get("Properties");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Map<String, Object> m, String... path) {
        Map<String, Object> cur = m;
        for (String p : path) {
            cur = (Map<String, Object>) cur.get(p);
            assertNotNull(cur, "missing " + String.join(".", path));
        }
        return cur;
    }

    @SuppressWarnings("unchecked")
    private static String envValue(Map<String, Object> container, String name) {
        return ((List<Map<String, Object>>) container.get("env")).stream().filter(e -> name.equals(e.get("name")))
                .map(e -> String.valueOf(e.get("value"))).findFirst().orElseThrow();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> yaml(Path file) throws IOException {
        return (Map<String, Object>) new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(file));
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> k8sDocuments() throws IOException {
        List<Map<String, Object>> docs = new ArrayList<>();
        for (Object d : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(Files.readString(K8S))) {
            if (d != null) {
                docs.add((Map<String, Object>) d);
            }
        }
        return docs;
    }

    @SuppressWarnings("unchecked")
    static Map<String, String> environment(Object env) {
        Map<String, String> out = new LinkedHashMap<>();
        if (env instanceof Map<?, ?> m) {
            m.forEach((k, v) -> out.put(String.valueOf(k), String.valueOf(v)));
        } else if (env instanceof List<?> l) {
            for (Object o : l) {
                String s = String.valueOf(o);
                int eq = s.indexOf('=');
                out.put(eq < 0 ? s : s.substring(0, eq), eq < 0 ? "" : s.substring(eq + 1));
            }
        }
        return out;
    }

    private static boolean configName(String name) {
        return name.startsWith("PGWARDEN_") || name.startsWith("QUARKUS_");
    }

    @SuppressWarnings("unchecked")
    static Set<String> composeEnv() throws IOException {
        Set<String> names = new TreeSet<>();
        Map<String, Object> services = (Map<String, Object>) yaml(COMPOSE).get("services");
        for (Object s : services.values()) {
            environment(((Map<String, Object>) s).get("environment")).keySet().stream().filter(DeploymentFilesTest::configName)
                    .forEach(names::add);
        }
        return names;
    }

    @SuppressWarnings("unchecked")
    static Set<String> k8sEnv() throws IOException {
        Set<String> names = new TreeSet<>();
        for (Map<String, Object> doc : k8sDocuments()) {
            if (!"Deployment".equals(doc.get("kind"))) {
                continue;
            }
            Map<String, Object> pod = map(doc, "spec", "template", "spec");
            for (String list : List.of("containers", "initContainers")) {
                for (Map<String, Object> c : (List<Map<String, Object>>) pod.getOrDefault(list, List.of())) {
                    for (Map<String, Object> e : (List<Map<String, Object>>) c.getOrDefault("env", List.of())) {
                        String n = String.valueOf(e.get("name"));
                        if (configName(n)) {
                            names.add(n);
                        }
                    }
                }
            }
        }
        return names;
    }

    @SuppressWarnings("unchecked")
    static Set<String> ecsEnv() throws IOException {
        Set<String> names = new TreeSet<>();
        Map<String, Object> template = CloudFormationYaml.parse(Files.readString(ECS));
        for (Object r : ((Map<String, Object>) template.get("Resources")).values()) {
            Map<String, Object> res = (Map<String, Object>) r;
            if (!"AWS::ECS::TaskDefinition".equals(res.get("Type"))) {
                continue;
            }
            for (Map<String, Object> c : (List<Map<String, Object>>) map(res, "Properties").get("ContainerDefinitions")) {
                for (String list : List.of("Environment", "Secrets")) {
                    for (Map<String, Object> e : ecsEntries(c, list)) {
                        String n = String.valueOf(e.get("Name"));
                        if (configName(n)) {
                            names.add(n);
                        }
                    }
                }
            }
        }
        return names;
    }

    /**
     * The entries of a container definition's list ({@code Environment}, {@code Secrets}); an entry made
     * conditional with {@code Fn::If} counts with each branch that is an entry ({@code AWS::NoValue} drops out).
     */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> ecsEntries(Map<String, Object> container, String list) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> e : (List<Map<String, Object>>) container.getOrDefault(list, List.of())) {
            if (e.get("Fn::If") instanceof List<?> branches) {
                branches.subList(1, branches.size()).stream().map(b -> (Map<String, Object>) b)
                        .filter(b -> b.containsKey("Name")).forEach(out::add);
            } else {
                out.add(e);
            }
        }
        return out;
    }

    /**
     * Settings left commented out for the user to enable ({@code # PGWARDEN_X: ...} in compose,
     * {@code # - name: PGWARDEN_X} in Kubernetes).
     */
    static Set<String> commentedEnv(Path file) throws IOException {
        Set<String> names = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^\\s*#\\s*(?:- name:\\s*)?((?:PGWARDEN|QUARKUS)_[A-Z0-9_]+)(?::\\s|\\s*$|\\s+#)")
                .matcher(Files.readString(file));
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    static Set<String> dockerfileEnv() throws IOException {
        Set<String> names = new TreeSet<>();
        boolean inEnv = false;
        for (String line : Files.readAllLines(DOCKERFILE)) {
            String t = line.strip();
            if (t.startsWith("#")) {
                continue;
            }
            if (t.startsWith("ENV ")) {
                inEnv = true;
            }
            if (inEnv) {
                Matcher m = Pattern.compile("(?:^ENV\\s+|\\s)((?:PGWARDEN|QUARKUS)_[A-Z0-9_]+)=").matcher(" " + t);
                while (m.find()) {
                    names.add(m.group(1));
                }
                inEnv = t.endsWith("\\");
            }
        }
        return names;
    }

    static Set<String> imageEnv() {
        Set<String> names = new TreeSet<>(ImageLayout.environment().keySet());
        names.removeIf(n -> !n.startsWith("PGWARDEN_") && !n.startsWith("QUARKUS_"));
        return names;
    }

    @Test
    void dockerfileRunsAsNonRootAndExposesBothPorts() throws IOException {
        String dockerfile = Files.readString(DOCKERFILE);
        assertTrue(Pattern.compile("(?m)^USER\\s+[1-9][0-9]*").matcher(dockerfile).find(), "numeric non-root USER");
        assertTrue(Pattern.compile("(?m)^EXPOSE\\s+15432\\s+8080").matcher(dockerfile).find(), "EXPOSE 15432 8080");
        assertTrue(dockerfile.contains("target/quarkus-app/"), "copies the Quarkus fast-jar");
    }
}
