package dev.jobgateway.support;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import dev.jobgateway.platform.GatewayConfig;
import io.smallrye.config.ConfigMapping;

/**
 * Every {@code @ConfigMapping} of the application: {@link GatewayConfig} (gateway-wide) and each provider's own
 * ({@code gateway.providers.<name>}), found among the compiled classes, so that a provider added with its settings is
 * held to the docs without anyone listing it here.
 */
public final class ConfigMappings {

    private ConfigMappings() {
    }

    /** The mappings, by prefix. */
    public static List<Class<?>> all() {
        Path location;
        try {
            location = Path.of(GatewayConfig.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        // The compiled classes: a directory in the unit tests, the packaged jar in the integration tests.
        if (Files.isDirectory(location)) {
            return mappingsUnder(location);
        }
        try (FileSystem jar = FileSystems.newFileSystem(location)) {
            return mappingsUnder(jar.getPath("/"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Class<?>> mappingsUnder(Path classes) {
        try (Stream<Path> files = Files.walk(classes)) {
            return files.filter(file -> file.toString().endsWith(".class"))
                    .map(file -> classes.relativize(file).toString().replace('/', '.').replaceAll("\\.class$", ""))
                    .filter(name -> name.startsWith("dev.jobgateway.") && !name.contains("$"))
                    .<Class<?>> map(ConfigMappings::load)
                    .filter(type -> type.isInterface() && type.isAnnotationPresent(ConfigMapping.class))
                    .sorted(Comparator.comparing(ConfigMappings::prefix))
                    .toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A mapping's prefix, e.g. {@code gateway.providers.replicate}. */
    public static String prefix(Class<?> mapping) {
        return mapping.getAnnotation(ConfigMapping.class).prefix();
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name, false, ConfigMappings.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }
}
