package dev.jobgateway.providers;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/** Finds the file URLs in an output, for {@link Provider#outputFiles}'s default. */
public final class OutputFileFinder {

    private OutputFileFinder() {
    }

    /** JSON pointers of every string in {@code output} that is an http(s) or data URL, depth first, in order. */
    public static List<String> urls(JsonNode output) {
        List<String> pointers = new ArrayList<>();
        walk(output, "", pointers);
        return pointers;
    }

    /** Whether a string is a URL the gateway would copy. */
    public static boolean isFileUrl(String text) {
        String lower = text.length() > 8 ? text.substring(0, 8).toLowerCase(Locale.ROOT)
                : text.toLowerCase(Locale.ROOT);
        return lower.startsWith("https://") || lower.startsWith("http://") || lower.startsWith("data:");
    }

    private static void walk(JsonNode node, String at, List<String> pointers) {
        if (node == null) {
            return;
        }
        if (node.isTextual()) {
            if (isFileUrl(node.asText())) {
                pointers.add(at);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                walk(node.get(i), at + "/" + i, pointers);
            }
        } else if (node.isObject()) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                walk(field.getValue(), at + "/" + field.getKey().replace("~", "~0").replace("/", "~1"), pointers);
            }
        }
    }
}
