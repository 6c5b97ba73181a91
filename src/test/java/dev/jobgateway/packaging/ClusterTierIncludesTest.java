package dev.jobgateway.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The surefire cluster tier names its classes in {@code pom.xml} (so that Quarkus builds only their test profiles at
 * discovery, not every profile of the suite): a class tagged {@code cluster} or {@code cluster-only} that is missing
 * from that list would silently never run on the cluster, and a listed class that no longer exists hides nothing.
 */
class ClusterTierIncludesTest {

    private static final Pattern CLUSTER_TAG = Pattern.compile("Tag\\(\"cluster(-only)?\"\\)");

    @Test
    void theClusterTierListsEveryTestClassTaggedForTheClusterAndNothingElse() throws Exception {
        Path root = Path.of("").toAbsolutePath();
        Set<String> tagged = new TreeSet<>();
        for (String sources : new String[] { "src/test/java", "src/test-lambda/java" }) {
            Path dir = root.resolve(sources);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    String name = file.getFileName().toString();
                    // failsafe's tier (*IT) finds its classes by the tags alone: it boots no Quarkus app
                    if (name.endsWith("Test.java") && CLUSTER_TAG.matcher(read(file)).find()) {
                        tagged.add("**/" + name);
                    }
                }
            }
        }

        assertThat(tagged).as("classes tagged cluster/cluster-only under %s", root.toAbsolutePath()).isNotEmpty();
        assertThat(clusterTierIncludes(root.resolve("pom.xml")))
                .as("<includes> of surefire's cluster-tier execution in pom.xml")
                .containsExactlyInAnyOrderElementsOf(tagged);
    }

    private static Set<String> clusterTierIncludes(Path pom) throws Exception {
        Document document = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
        NodeList plugins = document.getElementsByTagName("plugin");
        for (int i = 0; i < plugins.getLength(); i++) {
            Element plugin = (Element) plugins.item(i);
            if (!"maven-surefire-plugin".equals(text(plugin, "artifactId"))) {
                continue;
            }
            NodeList executions = plugin.getElementsByTagName("execution");
            for (int j = 0; j < executions.getLength(); j++) {
                Element execution = (Element) executions.item(j);
                if ("cluster-tier".equals(text(execution, "id"))) {
                    Set<String> includes = new TreeSet<>();
                    NodeList include = execution.getElementsByTagName("include");
                    for (int k = 0; k < include.getLength(); k++) {
                        includes.add(include.item(k).getTextContent().strip());
                    }
                    return includes;
                }
            }
        }
        throw new AssertionError("no cluster-tier execution of maven-surefire-plugin in " + pom);
    }

    private static String text(Element parent, String child) {
        NodeList nodes = parent.getElementsByTagName(child);
        return nodes.getLength() == 0 ? null : nodes.item(0).getTextContent().strip();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
