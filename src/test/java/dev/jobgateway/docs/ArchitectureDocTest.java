package dev.jobgateway.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * docs/architecture.md's package table names every production package under {@code dev.jobgateway}, and only those:
 * a package added, moved or removed without the doc fails the build, so the doc cannot describe a layout that is not.
 */
class ArchitectureDocTest {

    private static final Path SOURCES = Path.of("src/main/java/dev/jobgateway");
    private static final Path DOC = Path.of("docs/architecture.md");
    private static final String SECTION = "## Packages (by feature, under `dev.jobgateway`)";
    /** A table row's first cell: {@code | `providers.fal` | ...}. */
    private static final Pattern ROW = Pattern.compile("^\\|\\s*`([a-z0-9_.]+)`\\s*\\|");

    @Test
    void everyProductionPackageHasARowAndEveryRowAPackage() throws IOException {
        Set<String> packages = productionPackages();
        Set<String> rows = documentedPackages();

        Set<String> undocumented = new TreeSet<>(packages);
        undocumented.removeAll(rows);
        Set<String> stale = new TreeSet<>(rows);
        stale.removeAll(packages);

        assertThat(packages).as("production packages under %s", SOURCES).isNotEmpty();
        StringBuilder problems = new StringBuilder();
        if (!undocumented.isEmpty()) {
            problems.append(String.format(
                    "packages under %s that %s does not name: add a row to its table under \"%s\" for each, e.g.%n%s",
                    SOURCES, DOC, SECTION, exampleRows(undocumented)));
        }
        if (!stale.isEmpty()) {
            problems.append(
                    String.format("rows of %s's package table naming no package under %s: remove or rename %s%n",
                            DOC, SOURCES, stale));
        }
        assertThat(problems.toString()).as("docs/architecture.md against the tree").isEmpty();
    }

    /** Each directory holding a .java file, as a name relative to dev.jobgateway ({@code providers.fal}). */
    private static Set<String> productionPackages() throws IOException {
        Set<String> packages = new TreeSet<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            files.filter(f -> f.toString().endsWith(".java")).map(Path::getParent)
                    .filter(dir -> !dir.equals(SOURCES))
                    .forEach(dir -> packages.add(SOURCES.relativize(dir).toString().replace('/', '.')
                            .replace('\\', '.')));
        }
        return packages;
    }

    /** The first cells of the package table: the lines from the section's heading to the next heading. */
    private static Set<String> documentedPackages() throws IOException {
        List<String> lines = Files.readAllLines(DOC, StandardCharsets.UTF_8);
        int start = lines.indexOf(SECTION);
        assertThat(start).as("%s has a section \"%s\"", DOC, SECTION).isNotNegative();
        Set<String> rows = new TreeSet<>();
        for (String line : lines.subList(start + 1, lines.size())) {
            if (line.startsWith("#")) {
                break;
            }
            Matcher row = ROW.matcher(line);
            if (row.find()) {
                rows.add(row.group(1));
            }
        }
        return rows;
    }

    private static String exampleRows(Set<String> packages) {
        StringBuilder rows = new StringBuilder();
        for (String name : packages) {
            rows.append("| `").append(name).append("` | <what dev.jobgateway.").append(name)
                    .append(" does and its main classes> |").append(System.lineSeparator());
        }
        return rows.toString();
    }
}
