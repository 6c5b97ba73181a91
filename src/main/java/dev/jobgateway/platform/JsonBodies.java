package dev.jobgateway.platform;

import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Reads the JSON object a frontend call sends, checked before anything is stored: content type, size, syntax, an
 * object, and no field the call does not know. Each mistake is its problem type.
 */
@ApplicationScoped
public class JsonBodies {

    private final ObjectReader reader;
    private final int maxBodyBytes;

    JsonBodies(ObjectMapper mapper, GatewayConfig config) {
        // Duplicate keys and anything after the object are mistakes, not something to guess around.
        this.reader = mapper.reader().with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        this.maxBodyBytes = config.limits().maxBodyBytes();
    }

    /**
     * The body as an object whose fields are all among {@code fields} (the first is the call's main one, named in
     * the error); {@code example} shows the expected shape in the error when it is not an object.
     */
    public ObjectNode object(String contentType, byte[] body, String example, List<String> fields) {
        if (!isJson(contentType)) {
            throw ProblemType.UNSUPPORTED_MEDIA_TYPE.with("Send the body as application/json.");
        }
        if (body == null || body.length == 0) {
            throw ProblemType.INVALID_JSON.with("The request body is empty.");
        }
        if (body.length > maxBodyBytes) {
            throw ProblemType.BODY_TOO_LARGE
                    .with("The body has " + body.length + " bytes; at most " + maxBodyBytes + " are accepted.");
        }
        JsonNode root;
        try {
            root = reader.readTree(body);
        } catch (IOException e) {
            throw ProblemType.INVALID_JSON.with("The request body is not valid JSON.");
        }
        if (root == null || !root.isObject()) {
            throw ProblemType.INVALID_REQUEST.with("The body must be a JSON object like " + example + ".");
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext();) {
            String name = names.next();
            if (!fields.contains(name)) {
                String shown = name.length() > 40 ? name.substring(0, 40) + "..." : name;
                throw ProblemType.INVALID_REQUEST.with("Unknown field '" + shown + "'; the body has " + list(fields)
                        + ".");
            }
        }
        return (ObjectNode) root;
    }

    private static String list(List<String> fields) {
        StringBuilder text = new StringBuilder("'" + fields.get(0) + "'");
        for (int i = 1; i < fields.size(); i++) {
            text.append(i == 1 ? " and optionally '" : i == fields.size() - 1 ? " and '" : ", '")
                    .append(fields.get(i)).append("'");
        }
        return text.toString();
    }

    private static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        String type = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        return type.equals("application/json") || (type.startsWith("application/") && type.endsWith("+json"));
    }
}
