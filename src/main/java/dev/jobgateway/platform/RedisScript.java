package dev.jobgateway.platform;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * A Lua script shipped as resources, run by its SHA1 ({@code EVALSHA}) and sent in full ({@code EVAL}) only when
 * Redis does not know it yet (first use, after {@code SCRIPT FLUSH} or a fail-over). A script may be assembled from
 * several resources, shared functions first: Redis 6.2 (the embedded one) has no Redis Functions to share code.
 */
public final class RedisScript {

    private final String name;
    private final String source;
    private final String sha1;

    private RedisScript(String name, String source) {
        this.name = name;
        this.source = source;
        this.sha1 = sha1(source);
    }

    public static RedisScript fromResource(String path) {
        return new RedisScript(path, read(path));
    }

    /** The script at {@code path}, preceded by the shared {@code library} it calls. */
    public static RedisScript fromResource(String library, String path) {
        return new RedisScript(path, read(library) + "\n" + read(path));
    }

    private static String read(String path) {
        try (InputStream in = RedisScript.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("Missing Lua script " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs the script by its SHA-1, sending its source only when Redis does not have it yet ({@code NOSCRIPT}),
     * on the connection requests share ({@link SharedConnection}), bounded by {@code timeout} like any command.
     */
    public Uni<Response> run(SharedConnection redis, Duration timeout, List<String> keys, List<String> args) {
        return redis.guard(timeout, redis.send(request(Command.EVALSHA, sha1, keys, args))
                .onFailure(RedisScript::isNoScript)
                .recoverWithUni(() -> redis.send(request(Command.EVAL, source, keys, args))));
    }

    private static Request request(Command command, String script, List<String> keys, List<String> args) {
        Request request = Request.cmd(command).arg(script).arg(keys.size());
        keys.forEach(request::arg);
        args.forEach(request::arg);
        return request;
    }

    public String name() {
        return name;
    }

    private static boolean isNoScript(Throwable failure) {
        return String.valueOf(failure.getMessage()).startsWith("NOSCRIPT");
    }

    private static String sha1(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
