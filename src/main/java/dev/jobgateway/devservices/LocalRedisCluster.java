package dev.jobgateway.devservices;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

/**
 * A throwaway Redis Cluster for tests, benchmarks and dev mode: masters with their replicas, each a
 * {@code redis-server} from the same binary as {@link LocalRedisServer} on a free loopback port (its cluster bus on
 * port + 10000), persistence off unless asked for, a short {@code cluster-node-timeout} so that a failover takes
 * seconds. The embedded binary has no {@code redis-cli}, so the cluster is wired up here over plain RESP
 * ({@code CLUSTER MEET}, {@code ADDSLOTS}, {@code REPLICATE}) and handed out only once {@code cluster_state:ok} holds
 * on every node and every replica is in sync. Its processes end with {@link #close()} or, at the latest, with the JVM.
 */
public final class LocalRedisCluster implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LocalRedisCluster.class);
    private static final int SLOTS = 16384;
    /**
     * The JVM's shared cluster as {@code dir|port:pid,port:pid,...}. Quarkus tests load application classes again for
     * each application start, so a static field alone would start one cluster per start: this is visible to all.
     */
    private static final String SHARED_PROPERTY = "jobgateway.local-redis-cluster";
    private static LocalRedisCluster shared;

    private final Path directory;
    private final List<String> nodeArguments;
    private final Map<Integer, Long> pids = new ConcurrentHashMap<>();
    private final Map<Integer, LocalRedisServer> servers = new ConcurrentHashMap<>();
    private final Set<Integer> unavailable = ConcurrentHashMap.newKeySet();
    private final List<Process> processes = new CopyOnWriteArrayList<>();
    private final boolean owner;
    private Thread cleanup;

    private LocalRedisCluster(Path directory, List<String> nodeArguments, boolean owner) {
        this.directory = directory;
        this.nodeArguments = nodeArguments;
        this.owner = owner;
    }

    /**
     * Starts {@code masters} masters with {@code replicasPerMaster} replicas each.
     *
     * @param nodeTimeout {@code cluster-node-timeout}: how long a silent master stays a master
     * @param extraArguments further settings for every node (e.g. {@code --appendonly yes})
     */
    public static LocalRedisCluster start(int masters, int replicasPerMaster, Duration nodeTimeout,
            List<String> extraArguments) {
        Path directory;
        try {
            directory = Files.createTempDirectory("job-gateway-redis-cluster-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> arguments = new ArrayList<>(List.of("--cluster-enabled", "yes",
                "--cluster-config-file", "nodes.conf",
                "--cluster-node-timeout", Long.toString(nodeTimeout.toMillis())));
        arguments.addAll(extraArguments);
        LocalRedisCluster cluster = new LocalRedisCluster(directory, List.copyOf(arguments), true);
        cluster.registerCleanup();
        try {
            cluster.create(masters, replicasPerMaster);
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /**
     * The JVM's one shared cluster (3 masters, 1 replica each), started on first use and ended when the JVM ends:
     * starting six servers per test class would be too slow.
     */
    public static synchronized LocalRedisCluster shared() {
        if (shared != null) {
            return shared;
        }
        String existing = System.getProperty(SHARED_PROPERTY);
        if (existing != null) {
            shared = attach(existing);
        } else {
            shared = start(3, 1, Duration.ofMillis(1500), List.of());
            System.setProperty(SHARED_PROPERTY, shared.describe());
        }
        return shared;
    }

    private static LocalRedisCluster attach(String description) {
        String[] parts = description.split("\\|", 2);
        LocalRedisCluster cluster = new LocalRedisCluster(Path.of(parts[0]), List.of(), false);
        for (String node : parts[1].split(",")) {
            String[] portAndPid = node.split(":");
            cluster.pids.put(Integer.parseInt(portAndPid[0]), Long.parseLong(portAndPid[1]));
        }
        return cluster;
    }

    private String describe() {
        return directory + "|" + pids.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> e.getKey() + ":" + e.getValue()).collect(Collectors.joining(","));
    }

    private void create(int masters, int replicasPerMaster) {
        int count = masters * (1 + replicasPerMaster);
        List<Integer> ports = freePorts(count);
        for (int port : ports) {
            startNode(port);
        }
        Map<Integer, String> ids = new LinkedHashMap<>();
        for (int port : ports) {
            ids.put(port, (String) call(port, "CLUSTER", "MYID"));
        }
        int first = ports.get(0);
        for (int port : ports.subList(1, count)) {
            call(first, "CLUSTER", "MEET", "127.0.0.1", Integer.toString(port));
        }
        for (int m = 0; m < masters; m++) {
            int from = SLOTS * m / masters;
            int to = SLOTS * (m + 1) / masters;
            String[] command = new String[2 + to - from];
            command[0] = "CLUSTER";
            command[1] = "ADDSLOTS";
            for (int slot = from; slot < to; slot++) {
                command[2 + slot - from] = Integer.toString(slot);
            }
            call(ports.get(m), command);
        }
        awaitUntil(Duration.ofSeconds(20), "every node knows every other node", () -> ports.stream()
                .allMatch(port -> nodes(port).size() == count
                        && nodes(port).stream().noneMatch(n -> n.flags.contains("handshake"))));
        for (int r = masters; r < count; r++) {
            int replica = ports.get(r);
            String master = ids.get(ports.get((r - masters) % masters));
            awaitUntil(Duration.ofSeconds(10), "replica " + replica + " follows its master", () -> {
                try {
                    call(replica, "CLUSTER", "REPLICATE", master);
                    return true;
                } catch (Resp.Error notKnownYet) {
                    return false;
                }
            });
        }
        awaitHealthy(Duration.ofSeconds(30));
        LOG.infof("Local Redis Cluster ready: %d masters, %d replicas each, ports %s (in %s)", masters,
                replicasPerMaster, ports, directory);
    }

    private void startNode(int port) {
        LocalRedisServer server = new LocalRedisServer(port, nodeArguments, directory.resolve("node-" + port));
        server.start();
        servers.put(port, server);
        pids.put(port, server.pid());
        processes.add(server.process());
    }

    /** Every node, as a Redis URI, masters and replicas: the seeds a cluster client may start from. */
    public List<URI> seeds() {
        return ports().stream().map(port -> URI.create("redis://127.0.0.1:" + port)).toList();
    }

    /** The seeds as {@code quarkus.redis.hosts} (or {@code QUARKUS_REDIS_HOSTS}) takes them: comma-separated. */
    public String hosts() {
        return seeds().stream().map(URI::toString).collect(Collectors.joining(","));
    }

    public List<Integer> ports() {
        return pids.keySet().stream().sorted().toList();
    }

    /** The node serving {@code key}'s slot as master now. */
    public int masterFor(String key) {
        int live = anyLiveNode();
        long slot = (Long) call(live, "CLUSTER", "KEYSLOT", key);
        return nodes(live).stream().filter(n -> n.isMaster() && n.serves(slot)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no master serves slot " + slot)).port;
    }

    /** The ports of the masters that serve slots, as a live node sees them. */
    public List<Integer> masters() {
        return nodes(anyLiveNode()).stream().filter(n -> n.isMaster() && !n.slots.isEmpty()).map(n -> n.port)
                .sorted().toList();
    }

    /** A replica of the master on {@code masterPort}, as a live node sees it. */
    public int replicaOf(int masterPort) {
        List<ClusterNode> nodes = nodes(anyLiveNode());
        String masterId = nodes.stream().filter(n -> n.port == masterPort).findFirst().orElseThrow().id;
        return nodes.stream().filter(n -> masterId.equals(n.masterId)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no replica of " + masterPort)).port;
    }

    /** Freezes a node (SIGSTOP): its sockets stay open and it answers nothing, like a hung or cut-off host. */
    public void pause(int port) {
        unavailable.add(port);
        signal(port, "STOP");
    }

    public void resume(int port) {
        signal(port, "CONT");
        unavailable.remove(port);
    }

    /** Ends a node at once (SIGKILL), as a crash would. */
    public void kill(int port) {
        unavailable.add(port);
        LocalRedisServer server = servers.get(port);
        if (server != null) {
            server.kill();
        } else {
            signal(port, "KILL");
        }
    }

    /** Starts a killed node again with its data directory: it rejoins the cluster from its nodes file. */
    public void restart(int port) {
        if (!owner) {
            throw new IllegalStateException("only the JVM's cluster owner can restart nodes");
        }
        startNode(port);
        unavailable.remove(port);
    }

    /** {@code CLUSTER FAILOVER [FORCE|TAKEOVER]} on a replica: it becomes the master of its master's slots. */
    public void failover(int replicaPort, String mode) {
        if (mode == null || mode.isEmpty()) {
            call(replicaPort, "CLUSTER", "FAILOVER");
        } else {
            call(replicaPort, "CLUSTER", "FAILOVER", mode);
        }
    }

    /** Waits until every node that runs says {@code cluster_state:ok} and every running replica is in sync. */
    public void awaitHealthy(Duration timeout) {
        awaitUntil(timeout, "cluster_state:ok on every node, replicas in sync", () -> {
            for (int port : liveNodes()) {
                String info = (String) call(port, "CLUSTER", "INFO");
                if (!info.contains("cluster_state:ok")) {
                    return false;
                }
                String replication = (String) call(port, "INFO", "replication");
                if (replication.contains("role:slave") && (!replication.contains("master_link_status:up")
                        || replication.contains("master_sync_in_progress:1"))) {
                    return false;
                }
            }
            // every live node agrees on which nodes are masters
            Set<Integer> masters = Set.copyOf(masters());
            return liveNodes().stream().allMatch(port -> nodes(port).stream()
                    .filter(n -> n.isMaster() && !n.slots.isEmpty()).map(n -> n.port)
                    .collect(Collectors.toSet()).equals(masters));
        });
    }

    /** Empties every master (and so its replicas). */
    public void flushAll() {
        for (int port : masters()) {
            call(port, "FLUSHALL");
        }
    }

    /** A command on one node. */
    public Object call(int port, String... command) {
        return Resp.once(port, command);
    }

    /** The value of one {@code INFO} field on a node (e.g. {@code role}), or null. */
    public String info(int port, String section, String field) {
        for (String line : ((String) call(port, "INFO", section)).split("\r\n")) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1);
            }
        }
        return null;
    }

    /** Nodes that run and are not paused. */
    public List<Integer> liveNodes() {
        return ports().stream().filter(port -> !unavailable.contains(port)).toList();
    }

    private int anyLiveNode() {
        for (int port : liveNodes()) {
            try {
                call(port, "PING");
                return port;
            } catch (RuntimeException notNow) {
                // try the next one
            }
        }
        throw new IllegalStateException("no node of the cluster answers");
    }

    private List<ClusterNode> nodes(int port) {
        List<ClusterNode> nodes = new ArrayList<>();
        for (String line : ((String) call(port, "CLUSTER", "NODES")).split("\n")) {
            if (!line.isBlank()) {
                nodes.add(ClusterNode.parse(line.trim()));
            }
        }
        nodes.sort(Comparator.comparingInt(n -> n.port));
        return nodes;
    }

    private void signal(int port, String signal) {
        Long pid = pids.get(port);
        if (pid == null) {
            throw new IllegalArgumentException("no node on port " + port);
        }
        LocalRedisServer.signal(pid, signal);
    }

    private void registerCleanup() {
        List<Process> running = processes;
        Path dir = directory;
        cleanup = new Thread(() -> destroy(running, dir), "local-redis-cluster-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
    }

    /** JDK classes only: this may run in a shutdown hook after the class loader that started the cluster closed. */
    private static void destroy(List<Process> running, Path dir) {
        for (Process process : running) {
            process.destroyForcibly();
        }
        for (Process process : running) {
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // a temp directory: best effort
        }
    }

    @Override
    public synchronized void close() {
        if (!owner) {
            return;
        }
        destroy(processes, directory);
        if (cleanup != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
            cleanup = null;
        }
    }

    /** Ports p with p and p + 10000 (its cluster bus) free, below 55536 so that the bus port is valid. */
    private static List<Integer> freePorts(int count) {
        List<Integer> ports = new ArrayList<>();
        while (ports.size() < count) {
            int port = ThreadLocalRandom.current().nextInt(20_000, 45_000);
            if (!ports.contains(port) && !ports.contains(port + 10_000) && !ports.contains(port - 10_000)
                    && isFree(port) && isFree(port + 10_000)) {
                ports.add(port);
            }
        }
        return ports;
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket(port)) {
            socket.setReuseAddress(true);
            return true;
        } catch (IOException taken) {
            return false;
        }
    }

    private static void awaitUntil(Duration timeout, String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException e) {
                last = e;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        throw new IllegalStateException("Redis Cluster: not " + what + " within " + timeout, last);
    }

    /** One line of {@code CLUSTER NODES}. (A class, not a record: records are checked for JSON reflection.) */
    private static final class ClusterNode {
        final String id;
        final int port;
        final Set<String> flags;
        final String masterId;
        final List<long[]> slots;

        private ClusterNode(String id, int port, Set<String> flags, String masterId, List<long[]> slots) {
            this.id = id;
            this.port = port;
            this.flags = flags;
            this.masterId = masterId;
            this.slots = slots;
        }

        static ClusterNode parse(String line) {
            String[] fields = line.split(" ");
            String address = fields[1];
            int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1).split("[@,]")[0]);
            List<long[]> slots = new ArrayList<>();
            for (int i = 8; i < fields.length; i++) {
                if (fields[i].startsWith("[")) {
                    continue; // a slot being migrated
                }
                String[] range = fields[i].split("-");
                long from = Long.parseLong(range[0]);
                slots.add(new long[] { from, range.length > 1 ? Long.parseLong(range[1]) : from });
            }
            return new ClusterNode(fields[0], port, Set.of(fields[2].split(",")),
                    fields[3].equals("-") ? null : fields[3], slots);
        }

        boolean isMaster() {
            return flags.contains("master") && !flags.contains("fail");
        }

        boolean serves(long slot) {
            return slots.stream().anyMatch(range -> range[0] <= slot && slot <= range[1]);
        }
    }
}
