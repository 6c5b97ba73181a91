package dev.jobgateway.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.platform.ProblemType;
import dev.jobgateway.support.ConfigMappings;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/**
 * The configuration table (docs/configuration.md) and the error table (docs/errors.md) are written by hand for
 * readers; these tests hold them to the code, so a setting or problem type added, renamed or given another default
 * fails the build until the docs say so.
 */
class DocsTablesTest {

    private static final Pattern ROW = Pattern.compile("^\\|\\s*`([A-Z0-9_]+)`\\s*\\|\\s*([^|]*)\\|",
            Pattern.MULTILINE);
    private static final Pattern ERROR_ROW = Pattern.compile("^\\|\\s*([0-9]{3}(?:,\\s*[0-9]{3})*)\\s*\\|([^|]*)\\|",
            Pattern.MULTILINE);
    private static final Pattern CODE = Pattern.compile("`([^`]+)`");

    private static String configuration;
    private static String errors;

    @BeforeAll
    static void read() throws IOException {
        Path docs = Path.of(System.getProperty("user.dir"), "docs");
        configuration = Files.readString(docs.resolve("configuration.md"));
        errors = Files.readString(docs.resolve("errors.md"));
    }

    @Test
    void everyGatewaySettingIsInTheConfigurationTableWithItsDefault() {
        Map<String, String> documented = configurationTable();
        Map<String, Optional<String>> settings = new TreeMap<>();
        List<Class<?>> mappings = ConfigMappings.all();
        assertThat(mappings).as("GatewayConfig and the providers' own mappings").contains(GatewayConfig.class)
                .hasSizeGreaterThan(6);
        for (Class<?> mapping : mappings) {
            collect(mapping, ConfigMappings.prefix(mapping).replace('.', '_').replace('-', '_')
                    .toUpperCase(Locale.ROOT), settings);
        }

        assertThat(documented.keySet().stream().filter(name -> name.startsWith("GATEWAY_")))
                .as("configuration rows for settings no @ConfigMapping has")
                .allMatch(settings::containsKey);
        settings.forEach((name, defaultValue) -> {
            assertThat(documented).as("docs/configuration.md row for " + name).containsKey(name);
            String cell = documented.get(name).trim();
            if (defaultValue.isPresent()) {
                assertThat(cell).as("default of " + name).startsWith("`" + defaultValue.get() + "`");
            } else {
                assertThat(cell).as(name + " has no default").startsWith("—");
            }
        });
    }

    @Test
    void everyProblemTypeIsInTheErrorTableUnderItsStatus() {
        Map<String, Set<Integer>> documented = errorTable();
        Set<String> catalogue = new TreeSet<>();
        for (ProblemType problem : ProblemType.values()) {
            catalogue.add(problem.type());
            assertThat(documented).as("docs/errors.md row for " + problem.type()).containsKey(problem.type());
            assertThat(documented.get(problem.type())).as("status of " + problem.type()).contains(problem.status());
        }
        assertThat(documented.keySet()).as("docs/errors.md rows for types the catalogue does not have")
                .allMatch(catalogue::contains);
    }

    private static Map<String, String> configurationTable() {
        Map<String, String> rows = new LinkedHashMap<>();
        Matcher row = ROW.matcher(configuration);
        while (row.find()) {
            rows.put(row.group(1), row.group(2));
        }
        return rows;
    }

    private static Map<String, Set<Integer>> errorTable() {
        Map<String, Set<Integer>> types = new TreeMap<>();
        Matcher row = ERROR_ROW.matcher(errors);
        while (row.find()) {
            Set<Integer> statuses = new TreeSet<>();
            for (String status : row.group(1).split(",")) {
                statuses.add(Integer.parseInt(status.trim()));
            }
            Matcher code = CODE.matcher(row.group(2));
            while (code.find()) {
                types.computeIfAbsent(code.group(1), type -> new TreeSet<>()).addAll(statuses);
            }
        }
        return types;
    }

    /**
     * The environment variable of every leaf setting of a mapping or group, under {@code prefix} (its own, e.g.
     * {@code GATEWAY_PROVIDERS_FAL}), with its default if it has one.
     */
    private static void collect(Class<?> group, String prefix, Map<String, Optional<String>> settings) {
        // getMethods, not getDeclaredMethods: a group may inherit settings (CallSettings), and
        // getMethods gives an overriding method (its own default) instead of the one it overrides.
        for (Method method : group.getMethods()) {
            if (method.isDefault() || java.lang.reflect.Modifier.isStatic(method.getModifiers())) {
                continue;
            }
            WithName renamed = method.getAnnotation(WithName.class);
            String property = renamed != null ? renamed.value() : kebab(method.getName());
            String name = prefix + "_" + property.replace('-', '_').toUpperCase(Locale.ROOT);
            Class<?> type = method.getReturnType();
            if (type.isInterface() && type.getName().startsWith("dev.jobgateway.") && !isValue(method)) {
                collect(type, name, settings);
                continue;
            }
            WithDefault defaultValue = method.getAnnotation(WithDefault.class);
            settings.put(name, Optional.ofNullable(defaultValue).map(WithDefault::value));
        }
    }

    private static boolean isValue(Method method) {
        return method.getGenericReturnType() instanceof ParameterizedType
                || List.class.isAssignableFrom(method.getReturnType());
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }
}
