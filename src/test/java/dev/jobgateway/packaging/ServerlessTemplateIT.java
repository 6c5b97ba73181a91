package dev.jobgateway.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.push.PushConfig;
import dev.jobgateway.support.ConfigMappings;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.WithDefault;

/**
 * {@code serverless.yml}, rendered offline by Serverless Framework v3 ({@code serverless package}, no credentials),
 * deploys what the gateway needs: three functions from the one artifact with their own routes and timeouts that fit
 * the gateway's own limits, the sweeper on a schedule through an internal route, configuration only as SSM
 * references, the native/JVM switch, and push over AppSync Events. Rendered twice: the defaults (native, push on) and
 * {@code runtime=jvm} in a VPC with push off. It runs beside the other ITs (failsafe's second thread, pom.xml): it
 * starts no server and waits on Node.
 */
@Execution(ExecutionMode.CONCURRENT)
class ServerlessTemplateIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** API Gateway HTTP APIs end every integration after 30 s, whatever the function does. */
    private static final int HTTP_API_LIMIT_SECONDS = 30;
    private static final Set<String> FUNCTIONS = Set.of("submit", "status", "webhook");
    /**
     * Operations of the plain-HTTP protocol endpoint only: browsers publishing to the gateway's own {@code POST /event}
     * are refused there; on AWS, discovery points them at AppSync's domain, whose own {@code /event} refuses them.
     */
    private static final Set<String> LOCAL_ONLY = Set.of("POST /event");
    /** The channel namespace the gateway publishes to by default (PushConfig, docs/push.md). */
    private static final String PUSH_NAMESPACE = defaultOf(PushConfig.class, "namespace");
    private static final Set<String> HTTP_METHODS = Set.of("GET", "PUT", "POST", "DELETE", "PATCH", "HEAD",
            "OPTIONS");
    /** Environment variables that are allowed to carry a literal value: none of them is a secret or an address. */
    private static final Set<String> LITERAL_ENV = Set.of("GATEWAY_CONFIG_REVISION", "DISABLE_SIGNAL_HANDLERS",
            "GATEWAY_PROVIDERS_DEFAULT", "GATEWAY_OUTPUTS_BUCKET", "GATEWAY_OUTPUTS_PREFIX", "GATEWAY_OUTPUTS_ENABLED",
            "GATEWAY_OUTPUTS_COPY_AFTER_CHANGE", "GATEWAY_OUTPUTS_FILE_TIMEOUT", "GATEWAY_OUTPUTS_JOB_TIMEOUT",
            "GATEWAY_METRICS_EMF_NAMESPACE");
    private static final Set<String> GENERIC_ENV = Set.of("GATEWAY_PROVIDERS_GENERIC_URL",
            "GATEWAY_PROVIDERS_GENERIC_WEBHOOK_SECRETS");
    private static final Set<String> REPLICATE_AND_FAL_ENV = Set.of("GATEWAY_PROVIDERS_REPLICATE_API_TOKEN",
            "GATEWAY_PROVIDERS_REPLICATE_WEBHOOK_SECRETS", "GATEWAY_PROVIDERS_FAL_KEY",
            "GATEWAY_PROVIDERS_FAL_WEBHOOK_USER_ID", "GATEWAY_PROVIDERS_COMFYUI_URL");
    private static final Set<String> RUNPOD_AND_COG_ENV = Set.of("GATEWAY_PROVIDERS_RUNPOD_API_KEY",
            "GATEWAY_PROVIDERS_RUNPOD_ENDPOINT_ID", "GATEWAY_PROVIDERS_COG_URL",
            "GATEWAY_PROVIDERS_COG_WEBHOOK_AUTH_TOKEN");

    private static Path root;
    private static Path target;
    private static JsonNode nativeTemplate;
    private static JsonNode jvmInVpcTemplate;

    @BeforeAll
    static void render() throws IOException {
        root = Path.of(System.getProperty("project.basedir", "."));
        target = Path.of(System.getProperty("project.build.directory", "target"));
        boolean node = ServerlessCli.nodeAvailable();
        if (!node && System.getenv("CI") == null) {
            Assumptions.abort("Node.js (npm) is not installed: serverless.yml not rendered. .ci/run installs it.");
        }
        assertThat(node).as("Node.js and npm on the PATH (CI installs them)").isTrue();
        ServerlessCli serverless = new ServerlessCli(root);
        serverless.ensureInstalled();
        // The two renders are independent Node processes, each writing its own directory: side by side rather than
        // one after the other (each spends much of its time waiting on the disk, walking the repository for the
        // authorizer's package patterns).
        CompletableFuture<JsonNode> nativeRender = CompletableFuture.supplyAsync(() -> {
            try {
                return serverless.render(target.resolve("serverless/native"), Map.of());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        jvmInVpcTemplate = serverless.render(target.resolve("serverless/jvm-vpc"), Map.ofEntries(
                Map.entry("runtime", "jvm"),
                Map.entry("network", "vpc"),
                Map.entry("vpcSubnetIds", "subnet-0a1,subnet-0b2"),
                Map.entry("vpcSecurityGroupIds", "sg-0c3"),
                Map.entry("replicate", "true"),
                Map.entry("fal", "true"),
                Map.entry("comfyui", "true"),
                Map.entry("runpod", "true"),
                Map.entry("cog", "true"),
                Map.entry("cogWebhookAuth", "true"),
                Map.entry("outputsBucket", "acme-images"),
                Map.entry("missingWebhookRatioPercent", "35"),
                Map.entry("alarmTopicArn", "arn:aws:sns:us-east-1:000000000000:gateway-ops"),
                Map.entry("push", "false")));
        nativeTemplate = nativeRender.join();
    }

    @Test
    void deploysThreeFunctionsFromTheOneArtifact() {
        Map<String, JsonNode> functions = functions(nativeTemplate);

        assertThat(functions.keySet()).containsExactlyInAnyOrderElementsOf(FUNCTIONS);
        assertThat(allFunctions(jvmInVpcTemplate).keySet()).as("push off: no authorizer")
                .containsExactlyInAnyOrderElementsOf(FUNCTIONS);
        assertThat(functions.values().stream().map(f -> f.path("Code").path("S3Key").asText()).distinct())
                .singleElement().asString().endsWith("/function.zip");
    }

    @Test
    void routesEveryCallOfTheApiToItsFunctionAndNothingElse() {
        Map<String, String> routes = routes(nativeTemplate);

        assertThat(routes).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
                Map.entry("POST /jobs", "submit"),
                Map.entry("POST /jobs/{id}/cancel", "submit"),
                Map.entry("POST /read-tokens", "submit"),
                Map.entry("GET /jobs", "status"),
                Map.entry("GET /jobs/{id}", "status"),
                Map.entry("GET /jobs/{id}/events", "status"),
                Map.entry("GET /q/health/ready", "status"),
                Map.entry("GET /q/openapi", "status"),
                Map.entry("GET /realtime", "status"),
                Map.entry("POST /webhooks/{provider}/{jobId}", "webhook"),
                Map.entry("POST /webhooks/{provider}", "webhook")));
    }

    @Test
    void everyOperationOfTheAppIsRoutedExceptInternalOnes() throws IOException {
        // The document the gateway serves (OpenApiDocumentTest holds it to the annotations).
        Path openapi = Path.of("src/main/resources/openapi/openapi.json");
        assertThat(openapi).as("committed beside the code").exists();
        Set<String> routes = routes(nativeTemplate).keySet();

        Set<String> unrouted = new TreeSet<>();
        JsonNode paths = JSON.readTree(openapi.toFile()).path("paths");
        for (Iterator<Map.Entry<String, JsonNode>> it = paths.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> path = it.next();
            for (Iterator<String> keys = path.getValue().fieldNames(); keys.hasNext();) {
                String method = keys.next().toUpperCase(java.util.Locale.ROOT);
                if (!HTTP_METHODS.contains(method)) {
                    continue; // "parameters", "summary" and the like
                }
                String routeKey = method + " " + path.getKey();
                if (path.getKey().startsWith("/internal/") || LOCAL_ONLY.contains(routeKey)) {
                    assertThat(routes).as("internal and local-only operations stay off the API")
                            .doesNotContain(routeKey);
                } else if (!routes.contains(routeKey)) {
                    unrouted.add(routeKey);
                }
            }
        }
        assertThat(unrouted).as("operations of the app that no function serves on AWS").isEmpty();
    }

    @Test
    void exposesNoCatchAllAndNoInternalRoute() {
        assertThat(routes(nativeTemplate).keySet()).noneMatch(key -> key.contains("/internal")
                || key.contains("{proxy+}") || key.equals("$default") || key.startsWith("ANY "));
    }

    @Test
    void timeoutsFitTheWaitClampTheHandOffAndApiGatewaysLimit() throws IOException {
        Map<String, JsonNode> functions = functions(nativeTemplate);
        int status = functions.get("status").path("Timeout").asInt();
        int submit = functions.get("submit").path("Timeout").asInt();
        int webhook = functions.get("webhook").path("Timeout").asInt();
        Duration waitClamp = waitClamp();
        Duration redisTimeout = DurationConverter.parseDuration(applicationProperty("quarkus.redis.timeout"));

        // a long-poll held for the whole clamp still has time to read the job and answer ...
        assertThat(Duration.ofSeconds(status)).isGreaterThanOrEqualTo(waitClamp.plusSeconds(2));
        // ... before API Gateway gives up on the integration
        assertThat(status).isLessThan(HTTP_API_LIMIT_SECONDS);
        for (JsonNode integration : resources(nativeTemplate, "AWS::ApiGatewayV2::Integration").values()) {
            assertThat(integration.path("Properties").path("TimeoutInMillis").asInt())
                    .isGreaterThan(status * 1000).isLessThanOrEqualTo(HTTP_API_LIMIT_SECONDS * 1000);
        }
        // every hand-off attempt with its backoff fits in a submit
        assertThat(Duration.ofSeconds(submit)).isGreaterThan(worstCaseHandoff().plus(redisTimeout));
        assertThat(submit).isLessThan(status);
        // a webhook only touches Redis: short, but longer than one Redis call may take
        assertThat(Duration.ofSeconds(webhook)).isGreaterThan(redisTimeout.multipliedBy(2));
        assertThat(webhook).isLessThanOrEqualTo(submit);
    }

    @Test
    void schedulesTheSweepAsAnHttpApiEventForTheInternalRouteOnTheStatusFunction() throws IOException {
        Map<String, JsonNode> rules = resources(nativeTemplate, "AWS::Events::Rule");

        assertThat(rules).hasSize(1);
        JsonNode rule = rules.values().iterator().next().path("Properties");
        assertThat(rule.path("ScheduleExpression").asText()).isEqualTo("rate(1 minute)");
        assertThat(rule.path("State").asText()).isEqualTo("ENABLED");
        JsonNode targetNode = rule.path("Targets").get(0);
        assertThat(targetNode.path("Arn").toString()).contains("StatusLambdaFunction");
        JsonNode event = JSON.readTree(targetNode.path("Input").asText());
        assertThat(event.path("version").asText()).isEqualTo("2.0");
        assertThat(event.path("routeKey").asText()).isEqualTo("POST /internal/sweep");
        assertThat(event.path("rawPath").asText()).isEqualTo("/internal/sweep");
        assertThat(event.path("requestContext").path("http").path("method").asText()).isEqualTo("POST");
    }

    @Test
    void takesEverySettingFromSsmAndCarriesNoSecretValue() throws IOException {
        for (JsonNode template : new JsonNode[] { nativeTemplate, jvmInVpcTemplate }) {
            for (Map.Entry<String, JsonNode> function : functions(template).entrySet()) {
                JsonNode env = function.getValue().path("Environment").path("Variables");
                Set<String> expected = new TreeSet<>(Set.of("REDIS_URL", "GATEWAY_API_KEYS",
                        "GATEWAY_READ_TOKENS_KEYS", "GATEWAY_OPERATOR_KEY"));
                expected.addAll(GENERIC_ENV);
                if (template == jvmInVpcTemplate) {
                    expected.addAll(REPLICATE_AND_FAL_ENV);
                    expected.addAll(RUNPOD_AND_COG_ENV);
                }
                for (String name : expected) {
                    assertThat(env.path(name).asText()).as("%s of %s", name, function.getKey())
                            .matches("\\{\\{resolve:ssm:/job-gateway/ci/[a-z-]+\\}\\}");
                }
                assertThat(env.path("GATEWAY_PUBLIC_BASE_URL").toString()).as("the API's own endpoint")
                        .isEqualTo("{\"Fn::GetAtt\":[\"HttpApi\",\"ApiEndpoint\"]}");
                for (Iterator<Map.Entry<String, JsonNode>> it = env.fields(); it.hasNext();) {
                    Map.Entry<String, JsonNode> variable = it.next();
                    boolean reference = variable.getValue().isObject()
                            || variable.getValue().asText().startsWith("{{resolve:ssm:");
                    assertThat(reference || LITERAL_ENV.contains(variable.getKey()))
                            .as("%s is a reference, not a value", variable.getKey()).isTrue();
                }
            }
            String text = template.toString();
            assertThat(text).doesNotContain("whsec_", "redis://", "rediss://", "Bearer ",
                    applicationProperty("%dev,test.gateway.providers.generic.webhook-secrets"));
        }
    }

    @Test
    void referencesTheSsmParametersOfTheProvidersSwitchedOnOnly() {
        for (JsonNode function : functions(nativeTemplate).values()) {
            JsonNode env = function.path("Environment").path("Variables");
            assertThat(env.path("GATEWAY_PROVIDERS_DEFAULT").asText()).isEqualTo("generic");
            for (String name : REPLICATE_AND_FAL_ENV) {
                assertThat(env.has(name)).as("%s without the provider switched on", name).isFalse();
            }
            for (String name : RUNPOD_AND_COG_ENV) {
                assertThat(env.has(name)).as("%s without the provider switched on", name).isFalse();
            }
        }
        for (JsonNode function : functions(jvmInVpcTemplate).values()) {
            JsonNode env = function.path("Environment").path("Variables");
            assertThat(env.path("GATEWAY_PROVIDERS_FAL_KEY").asText())
                    .isEqualTo("{{resolve:ssm:/job-gateway/ci/fal-key}}");
            assertThat(env.path("GATEWAY_PROVIDERS_REPLICATE_API_TOKEN").asText())
                    .isEqualTo("{{resolve:ssm:/job-gateway/ci/replicate-api-token}}");
            assertThat(env.path("GATEWAY_PROVIDERS_COMFYUI_URL").asText())
                    .isEqualTo("{{resolve:ssm:/job-gateway/ci/comfyui-url}}");
            assertThat(env.path("GATEWAY_PROVIDERS_RUNPOD_API_KEY").asText())
                    .isEqualTo("{{resolve:ssm:/job-gateway/ci/runpod-api-key}}");
            assertThat(env.path("GATEWAY_PROVIDERS_COG_WEBHOOK_AUTH_TOKEN").asText())
                    .isEqualTo("{{resolve:ssm:/job-gateway/ci/cog-webhook-auth-token}}");
        }
    }

    @Test
    void nativeIsTheDefaultAndJvmWithSnapStartIsASwitch() {
        for (JsonNode function : functions(nativeTemplate).values()) {
            assertThat(function.path("Runtime").asText()).isEqualTo("provided.al2023");
            assertThat(function.has("SnapStart")).isFalse();
        }
        for (JsonNode function : functions(jvmInVpcTemplate).values()) {
            assertThat(function.path("Runtime").asText()).isEqualTo("java21");
            assertThat(function.path("Handler").asText())
                    .isEqualTo("io.quarkus.amazon.lambda.runtime.QuarkusStreamHandler::handleRequest");
            assertThat(function.path("SnapStart").path("ApplyOn").asText()).isEqualTo("PublishedVersions");
            assertThat(function.path("MemorySize").asInt()).isGreaterThanOrEqualTo(1024);
        }
        // SnapStart only applies to published versions: the API and the schedule must call the alias
        for (JsonNode integration : resources(jvmInVpcTemplate, "AWS::ApiGatewayV2::Integration").values()) {
            assertThat(integration.path("Properties").path("IntegrationUri").toString()).contains("snapstart");
        }
        for (JsonNode rule : resources(jvmInVpcTemplate, "AWS::Events::Rule").values()) {
            assertThat(rule.path("Properties").path("Targets").get(0).path("Arn").toString()).contains("snapstart");
        }
    }

    @Test
    void putsTheFunctionsInTheVpcOnlyWhenAskedTo() {
        for (JsonNode function : functions(nativeTemplate).values()) {
            assertThat(function.has("VpcConfig")).isFalse();
        }
        for (JsonNode function : functions(jvmInVpcTemplate).values()) {
            JsonNode vpc = function.path("VpcConfig");
            assertThat(vpc.path("SubnetIds").toString()).contains("subnet-0a1,subnet-0b2");
            assertThat(vpc.path("SecurityGroupIds").toString()).contains("sg-0c3");
        }
        assertThat(jvmInVpcTemplate.path("Resources").path("IamRoleLambdaExecution").toString())
                .contains("AWSLambdaVPCAccessExecutionRole");
        // Outside a VPC nothing asks for network interfaces (the push authorizer's settings included).
        assertThat(nativeTemplate.path("Resources").path("IamRoleLambdaExecution").toString())
                .doesNotContain("AWSLambdaVPCAccessExecutionRole");
    }

    @Test
    void mayWriteAndReadTheOutputPrefixOfTheBucketOnlyAndOnlyWithOutputStorageOn() {
        for (JsonNode function : functions(nativeTemplate).values()) {
            assertThat(function.path("Environment").path("Variables").path("GATEWAY_OUTPUTS_ENABLED").asText())
                    .isEqualTo("false");
        }
        assertThat(nativeTemplate.path("Resources").path("IamRoleLambdaExecution").toString()).doesNotContain("s3:");
        for (JsonNode function : functions(jvmInVpcTemplate).values()) {
            JsonNode env = function.path("Environment").path("Variables");
            assertThat(env.path("GATEWAY_OUTPUTS_ENABLED").asText()).isEqualTo("true");
            assertThat(env.path("GATEWAY_OUTPUTS_BUCKET").asText()).isEqualTo("acme-images");
            assertThat(env.path("GATEWAY_OUTPUTS_PREFIX").asText()).isEqualTo("outputs/");
            // Lambda freezes an instance once it has answered: the scheduled sweep copies.
            assertThat(env.path("GATEWAY_OUTPUTS_COPY_AFTER_CHANGE").asText()).isEqualTo("false");
            // One file's time fits in the sweep's function timeout (28 s).
            assertThat(Duration.parse("PT" + env.path("GATEWAY_OUTPUTS_FILE_TIMEOUT").asText().toUpperCase())
                    .getSeconds()).isLessThan(28);
            // And so does one attempt at a job's files.
            assertThat(Duration.parse("PT" + env.path("GATEWAY_OUTPUTS_JOB_TIMEOUT").asText().toUpperCase())
                    .getSeconds()).isLessThan(28);
        }
        List<JsonNode> s3Statements = new ArrayList<>();
        for (JsonNode policy : jvmInVpcTemplate.path("Resources").path("IamRoleLambdaExecution").path("Properties")
                .path("Policies")) {
            for (JsonNode statement : policy.path("PolicyDocument").path("Statement")) {
                if (statement.path("Action").toString().contains("s3:")) {
                    s3Statements.add(statement);
                }
            }
        }
        assertThat(s3Statements).singleElement().satisfies(statement -> {
            assertThat(statement.path("Effect").asText()).isEqualTo("Allow");
            // Deleting: the data-URL copies of a report that lost the race for its job (PutObject on the prefix
            // could already replace any copy there, so it adds no power over the copies).
            assertThat(statement.path("Action").toString()).contains("s3:PutObject", "s3:GetObject",
                    "s3:DeleteObject", "s3:AbortMultipartUpload").doesNotContain("s3:*", "s3:ListBucket");
            assertThat(statement.path("Resource").toString()).contains("arn:aws:s3:::acme-images/outputs/*");
        });
    }

    @Test
    void rendersAnEventApiWhereBrowsersConnectAndSubscribeThroughTheAuthorizerAndOnlyIamPublishes() {
        Map<String, JsonNode> apis = resources(nativeTemplate, "AWS::AppSync::Api");
        assertThat(apis.keySet()).containsExactly("PushEventApi");
        JsonNode events = apis.get("PushEventApi").path("Properties").path("EventConfig");

        assertThat(authTypes(events.path("AuthProviders"))).containsExactlyInAnyOrder("AWS_IAM", "AWS_LAMBDA");
        assertThat(authTypes(events.path("ConnectionAuthModes"))).containsExactly("AWS_LAMBDA");
        assertThat(authTypes(events.path("DefaultPublishAuthModes"))).containsExactly("AWS_IAM");
        assertThat(authTypes(events.path("DefaultSubscribeAuthModes"))).containsExactly("AWS_LAMBDA");
        JsonNode lambda = findAuthProvider(events, "AWS_LAMBDA").path("LambdaAuthorizerConfig");
        assertThat(lambda.path("AuthorizerUri").toString())
                .isEqualTo("{\"Fn::GetAtt\":[\"PushAuthorizerLambdaFunction\",\"Arn\"]}");
        assertThat(lambda.path("AuthorizerResultTtlInSeconds").asInt()).as("no cached decision by default")
                .isZero();

        Map<String, JsonNode> namespaces = resources(nativeTemplate, "AWS::AppSync::ChannelNamespace");
        assertThat(namespaces).hasSize(1);
        JsonNode namespace = namespaces.values().iterator().next().path("Properties");
        assertThat(namespace.path("Name").asText()).isEqualTo(PUSH_NAMESPACE);
        assertThat(namespace.path("ApiId").toString()).isEqualTo("{\"Fn::GetAtt\":[\"PushEventApi\",\"ApiId\"]}");
        // On the namespace itself: browsers never publish there, whatever the API's defaults become.
        assertThat(authTypes(namespace.path("PublishAuthModes"))).containsExactly("AWS_IAM");
        assertThat(authTypes(namespace.path("SubscribeAuthModes"))).containsExactly("AWS_LAMBDA");
    }

    @Test
    void runsTheAuthorizerAloneOnNodeWithTheTokenKeysOnlyAndLetsOnlyThatApiInvokeIt() throws IOException {
        JsonNode authorizer = allFunctions(nativeTemplate).get("pushAuthorizer");
        assertThat(authorizer).as("the push authorizer function").isNotNull();
        assertThat(authorizer.path("Runtime").asText()).isEqualTo("nodejs20.x");
        assertThat(authorizer.path("Handler").asText()).isEqualTo("deploy/push-authorizer/index.handler");
        assertThat(authorizer.has("VpcConfig")).isFalse();
        // Not the gateway's role (Redis, S3, publish): its own, with logging only.
        assertThat(authorizer.path("Role").toString()).isEqualTo("{\"Fn::GetAtt\":[\"PushAuthorizerRole\",\"Arn\"]}");
        JsonNode role = nativeTemplate.path("Resources").path("PushAuthorizerRole").path("Properties");
        assertThat(role.path("Policies").isMissingNode()).isTrue();
        assertThat(role.path("ManagedPolicyArns").toString()).contains("AWSLambdaBasicExecutionRole")
                .doesNotContain("VPC");
        // What a read token is checked with, and nothing of the gateway's other settings.
        JsonNode env = authorizer.path("Environment").path("Variables");
        assertThat(fieldNames(env)).containsExactlyInAnyOrder("GATEWAY_READ_TOKENS_KEYS", "GATEWAY_API_KEYS");
        assertThat(env.path("GATEWAY_READ_TOKENS_KEYS").asText())
                .isEqualTo("{{resolve:ssm:/job-gateway/ci/read-token-keys}}");
        assertThat(env.path("GATEWAY_API_KEYS").asText()).isEqualTo("{{resolve:ssm:/job-gateway/ci/api-keys}}");
        // Packaged alone: the authorizer's folder, not the gateway's function.zip nor anything else of the repository.
        assertThat(authorizer.path("Code").path("S3Key").asText()).endsWith("/pushAuthorizer.zip");
        List<String> entries = new ArrayList<>();
        try (ZipFile zip = new ZipFile(target.resolve("serverless/native/pushAuthorizer.zip").toFile())) {
            zip.stream().filter(e -> !e.isDirectory()).forEach(e -> entries.add(e.getName()));
        }
        assertThat(entries).contains("deploy/push-authorizer/index.mjs")
                .allMatch(name -> name.startsWith("deploy/push-authorizer/"))
                .noneMatch(name -> name.startsWith("deploy/push-authorizer/test/"));

        Map<String, JsonNode> permissions = resources(nativeTemplate, "AWS::Lambda::Permission");
        List<JsonNode> appsync = permissions.values().stream().map(p -> p.path("Properties"))
                .filter(p -> p.path("Principal").asText().equals("appsync.amazonaws.com")).toList();
        assertThat(appsync).singleElement().satisfies(permission -> {
            assertThat(permission.path("Action").asText()).isEqualTo("lambda:InvokeFunction");
            assertThat(permission.path("FunctionName").toString()).contains("PushAuthorizerLambdaFunction");
            assertThat(permission.path("SourceArn").toString())
                    .isEqualTo("{\"Fn::GetAtt\":[\"PushEventApi\",\"ApiArn\"]}");
        });
    }

    @Test
    void letsTheGatewayFunctionsPublishToThatApisJobsNamespaceOnlyAndTellsThemItsDomains() {
        List<JsonNode> appsync = statements(nativeTemplate, "appsync:");
        assertThat(appsync).singleElement().satisfies(statement -> {
            assertThat(statement.path("Effect").asText()).isEqualTo("Allow");
            assertThat(statement.path("Action").toString()).isEqualTo("[\"appsync:EventPublish\"]");
            assertThat(statement.path("Resource").path("Fn::Sub").asText()).isEqualTo(
                    "arn:${AWS::Partition}:appsync:${AWS::Region}:${AWS::AccountId}:apis/${PushEventApi.ApiId}"
                            + "/channelNamespace/" + PUSH_NAMESPACE);
        });
        for (JsonNode function : functions(nativeTemplate).values()) {
            JsonNode env = function.path("Environment").path("Variables");
            assertThat(env.path("GATEWAY_PUSH_APPSYNC_HTTP_DOMAIN").toString())
                    .isEqualTo("{\"Fn::GetAtt\":[\"PushEventApi\",\"Dns.Http\"]}");
            assertThat(env.path("GATEWAY_PUSH_APPSYNC_REALTIME_DOMAIN").toString())
                    .isEqualTo("{\"Fn::GetAtt\":[\"PushEventApi\",\"Dns.Realtime\"]}");
        }
    }

    @Test
    void rendersAndGrantsNothingOfPushWithItSwitchedOff() {
        JsonNode resourcesNode = jvmInVpcTemplate.path("Resources");
        resourcesNode.fields().forEachRemaining(resource -> {
            assertThat(resource.getKey()).doesNotStartWith("Push");
            assertThat(resource.getValue().path("Type").asText()).doesNotStartWith("AWS::AppSync::");
        });
        assertThat(statements(jvmInVpcTemplate, "appsync:")).isEmpty();
        for (JsonNode function : allFunctions(jvmInVpcTemplate).values()) {
            assertThat(fieldNames(function.path("Environment").path("Variables")))
                    .noneMatch(name -> name.startsWith("GATEWAY_PUSH_"));
        }
        assertThat(jvmInVpcTemplate.toString()).doesNotContainIgnoringCase("appsync");
    }

    @Test
    void keepsTheAuthorizerOutOfTheVpcOfNetworkVpc() throws Exception {
        // The VPC render runs with push off; deploy/push.js is asked directly what it gives Serverless for a VPC.
        String script = "require('./deploy/push.js')({resolveVariable: async (v) => ({'param:push': 'true',"
                + " 'param:network': 'vpc', 'sls:stage': 'ci', 'param:ssmPrefix': '/job-gateway/ci'})[v]})"
                + ".then(p => console.log(JSON.stringify(p.authorizer)))";
        Process node = new ProcessBuilder("node", "-e", script).directory(root.toFile()).redirectErrorStream(true)
                .start();
        String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(node.waitFor()).as(output).isZero();
        JsonNode authorizer = JSON.readTree(output);
        // A null vpc is Serverless' way to keep a function out of provider.vpc; the authorizer's role has no ENI rights.
        assertThat(authorizer.has("vpc")).isTrue();
        assertThat(authorizer.path("vpc").isNull()).isTrue();
    }

    /** The IAM statements of the gateway functions' role whose actions contain the given text. */
    private static List<JsonNode> statements(JsonNode template, String action) {
        List<JsonNode> found = new ArrayList<>();
        for (JsonNode policy : template.path("Resources").path("IamRoleLambdaExecution").path("Properties")
                .path("Policies")) {
            for (JsonNode statement : policy.path("PolicyDocument").path("Statement")) {
                if (statement.path("Action").toString().contains(action)) {
                    found.add(statement);
                }
            }
        }
        return found;
    }

    private static List<String> authTypes(JsonNode modes) {
        List<String> types = new ArrayList<>();
        modes.forEach(mode -> types.add(mode.path("AuthType").asText()));
        return types;
    }

    private static JsonNode findAuthProvider(JsonNode eventConfig, String type) {
        for (JsonNode provider : eventConfig.path("AuthProviders")) {
            if (provider.path("AuthType").asText().equals(type)) {
                return provider;
            }
        }
        throw new AssertionError("no " + type + " auth provider in " + eventConfig);
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void rendersTheAlarmsOfOperationsPerProviderSwitchedOnWithTheirThresholds() {
        Map<String, JsonNode> alarms = alarms(nativeTemplate);
        assertThat(alarms.keySet()).containsExactlyInAnyOrder("missing-webhook-ratio-generic",
                "bad-signatures-generic", "upstream-unreachable-generic", "sweeper-backlog", "redis-failures");
        assertThat(alarms(jvmInVpcTemplate)).hasSize(5 * 3 + 1 + 2).containsKeys("missing-webhook-ratio-fal",
                "missing-webhook-ratio-replicate", "bad-signatures-replicate", "upstream-unreachable-fal",
                "upstream-unreachable-comfyui").doesNotContainKeys("missing-webhook-ratio-comfyui",
                        "bad-signatures-comfyui");

        JsonNode ratio = alarms.get("missing-webhook-ratio-generic");
        assertThat(ratio.path("Threshold").asDouble()).isEqualTo(20);
        assertThat(ratio.path("TreatMissingData").asText()).isEqualTo("notBreaching");
        assertThat(ratio.path("AlarmActions").isMissingNode()).as("no topic by default").isTrue();
        JsonNode math = ratio.path("Metrics");
        assertThat(math.toString()).contains("\"MetricName\":\"JobsCompleted\"", "\"Value\":\"poll\"",
                "\"Value\":\"webhook\"", "\"Value\":\"generic\"");
        assertThat(math.findValuesAsText("Expression")).singleElement().asString().contains("100 * FILL(polled, 0)");
        JsonNode tuned = alarms(jvmInVpcTemplate).get("missing-webhook-ratio-fal");
        assertThat(tuned.path("Threshold").asDouble()).as("the param sets the threshold").isEqualTo(35);
        assertThat(tuned.path("AlarmActions").toString()).contains("arn:aws:sns:us-east-1:000000000000:gateway-ops");

        // Every alarm reads the namespace the functions write their EMF lines to, and only metrics the gateway emits.
        Set<String> emitted = new TreeSet<>();
        for (dev.jobgateway.metrics.Meter meter : dev.jobgateway.metrics.Meter.values()) {
            if (meter.emfName() != null) {
                emitted.add(meter.emfName());
            }
        }
        for (JsonNode function : functions(nativeTemplate).values()) {
            assertThat(function.path("Environment").path("Variables").path("GATEWAY_METRICS_EMF_NAMESPACE").asText())
                    .isEqualTo("JobGateway/ci");
        }
        for (JsonNode alarm : alarms.values()) {
            for (JsonNode stat : alarm.path("Metrics").findValues("Metric")) {
                assertThat(stat.path("Namespace").asText()).isEqualTo("JobGateway/ci");
                assertThat(emitted).contains(stat.path("MetricName").asText());
            }
        }
    }

    /** Alarms by name without the service and stage prefix. */
    private static Map<String, JsonNode> alarms(JsonNode template) {
        Map<String, JsonNode> byName = new TreeMap<>();
        resources(template, "AWS::CloudWatch::Alarm").values().forEach(alarm -> byName.put(alarm.path("Properties")
                .path("AlarmName").asText().replaceFirst("^job-gateway-ci-", ""), alarm.path("Properties")));
        return byName;
    }

    // --- reading the template -----------------------------------------------------------------------------------

    private static Map<String, JsonNode> resources(JsonNode template, String type) {
        Map<String, JsonNode> found = new TreeMap<>();
        template.path("Resources").fields().forEachRemaining(e -> {
            if (e.getValue().path("Type").asText().equals(type)) {
                found.put(e.getKey(), e.getValue());
            }
        });
        return found;
    }

    /** The gateway's function properties by short name (submit, status, webhook). */
    private static Map<String, JsonNode> functions(JsonNode template) {
        Map<String, JsonNode> byName = new LinkedHashMap<>(allFunctions(template));
        byName.keySet().retainAll(FUNCTIONS);
        return byName;
    }

    /** Every function's properties by short name, the push authorizer's included. */
    private static Map<String, JsonNode> allFunctions(JsonNode template) {
        Map<String, JsonNode> byName = new LinkedHashMap<>();
        resources(template, "AWS::Lambda::Function").values().forEach(f -> {
            String name = f.path("Properties").path("FunctionName").asText();
            byName.put(name.substring(name.lastIndexOf('-') + 1), f.path("Properties"));
        });
        return byName;
    }

    /** Route key to the short name of the function its integration invokes. */
    private static Map<String, String> routes(JsonNode template) {
        Map<String, String> functionByIntegration = new HashMap<>();
        resources(template, "AWS::ApiGatewayV2::Integration").forEach((id, integration) -> {
            String uri = integration.path("Properties").path("IntegrationUri").toString();
            for (String function : FUNCTIONS) {
                String logicalId = Character.toUpperCase(function.charAt(0)) + function.substring(1)
                        + "LambdaFunction";
                if (uri.contains("\"" + logicalId + "\"")) {
                    functionByIntegration.put(id, function);
                }
            }
        });
        Map<String, String> routes = new TreeMap<>();
        resources(template, "AWS::ApiGatewayV2::Route").values().forEach(route -> {
            JsonNode properties = route.path("Properties");
            String integration = properties.path("Target").path("Fn::Join").get(1).get(1).path("Ref").asText();
            routes.put(properties.path("RouteKey").asText(), functionByIntegration.get(integration));
        });
        return routes;
    }

    // --- the gateway's own limits -------------------------------------------------------------------------------

    /**
     * The long-poll clamp: GatewayConfig's default for the setting named {@code maxWait}, once there is one; until
     * then the product's documented 25 s.
     */
    private static Duration waitClamp() {
        for (Class<?> group : GatewayConfig.class.getDeclaredClasses()) {
            for (Method method : group.getDeclaredMethods()) {
                WithDefault value = method.getAnnotation(WithDefault.class);
                if (value != null && method.getName().equalsIgnoreCase("maxWait")) {
                    return DurationConverter.parseDuration(value.value());
                }
            }
        }
        return Duration.ofSeconds(25);
    }

    /**
     * The slowest hand-off of any provider (each provider's own mapping, {@code gateway.providers.<name>}). A retried
     * attempt either timed out and is followed by the doubling backoff (jitter at most +20 %), or was answered at once
     * with a 429 and is followed by at most the longest {@code Retry-After} the provider waits for; the last attempt
     * may time out. A provider with a submit budget takes at most that.
     */
    private static Duration worstCaseHandoff() {
        Duration worst = Duration.ZERO;
        for (Class<?> group : ConfigMappings.all()) {
            if (hasMethod(group, "submitBudget")) {
                // A provider whose hand-off stops at its budget, however its attempts fail (Cog).
                Duration budget = DurationConverter.parseDuration(defaultOf(group, "submitBudget"));
                worst = budget.compareTo(worst) > 0 ? budget : worst;
                continue;
            }
            if (!hasMethod(group, "submitAttempts")) {
                continue;
            }
            int attempts = Integer.parseInt(defaultOf(group, "submitAttempts"));
            Duration timeout = DurationConverter.parseDuration(defaultOf(group, "requestTimeout"));
            Duration backoff = DurationConverter.parseDuration(defaultOf(group, "submitBackoff"));
            Duration retryAfter = hasMethod(group, "maxRetryAfter")
                    ? DurationConverter.parseDuration(defaultOf(group, "maxRetryAfter"))
                    : Duration.ZERO;
            Duration total = timeout;
            for (int retry = 0; retry < attempts - 1; retry++) {
                Duration timedOut = timeout.plus(backoff.multipliedBy(1L << retry).multipliedBy(12).dividedBy(10));
                total = total.plus(timedOut.compareTo(retryAfter) >= 0 ? timedOut : retryAfter);
            }
            worst = total.compareTo(worst) > 0 ? total : worst;
        }
        assertThat(worst).as("providers with submit settings in their mappings").isPositive();
        return worst;
    }

    /**
     * Whether the mapping has the setting, its own or inherited (CallSettings), with the default the mapping gives it.
     */
    private static boolean hasMethod(Class<?> group, String name) {
        try {
            group.getMethod(name);
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    private static String defaultOf(Class<?> group, String method) {
        try {
            return group.getMethod(method).getAnnotation(WithDefault.class).value();
        } catch (NoSuchMethodException e) {
            throw new AssertionError(group.getSimpleName() + " has no " + method, e);
        }
    }

    private static String applicationProperty(String name) throws IOException {
        Properties properties = new Properties();
        try (InputStream in = ServerlessTemplateIT.class.getResourceAsStream("/application.properties")) {
            properties.load(in);
        }
        String value = properties.getProperty(name);
        assertThat(value).as(name + " in application.properties").isNotBlank();
        return value;
    }
}
