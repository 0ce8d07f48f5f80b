package dev.infuse.spark;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A Spark standalone cluster on the loopback address, for {@link SparkClusterIT}: a {@code SPARK_HOME}
 * laid out from Maven (Spark core and its own dependencies only, nothing of Infuse, so everything
 * else must reach the executors through {@code spark-submit --jars} as on a real cluster), a master
 * and workers started as separate JVMs, and {@code spark-submit} through Spark's own launcher (what
 * {@code bin/spark-submit} runs). Every process binds to 127.0.0.1 on ports found free there; all
 * of them are killed on {@link #close()}, and by a shutdown hook should the test JVM end first.
 */
final class StandaloneCluster implements AutoCloseable {
    /** What Spark's launcher gives its JVMs on Java 17 (the master and workers are started without it). */
    static final List<String> JAVA_OPTIONS = List.of("-XX:+IgnoreUnrecognizedVMOptions",
            "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED", "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED",
            "--add-opens=java.base/sun.security.action=ALL-UNNAMED", "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED",
            "-Djdk.reflect.useDirectMethodHandle=false", "-Dio.netty.tryReflectionSetAccessible=true");
    static final String LOOPBACK = "127.0.0.1";
    static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    /** A started worker: its JVM (whose children are its executors), port and work folder. */
    record Worker(String name, Process process, int port, Path workDir) {}

    private final Path dir;
    private final Path sparkHome;
    private final Path jvmTmp;
    private final Map<String, String> env = new LinkedHashMap<>();
    private final List<Process> processes = new CopyOnWriteArrayList<>();
    private final Thread hook = new Thread(this::killAll, "spark-cluster-it-cleanup");
    private Process master;
    private int masterPort;

    /**
     * Lays out {@code dir/spark-home/jars} with links to the given Spark jars and prepares the
     * environment every process of the cluster gets.
     */
    StandaloneCluster(Path dir, List<Path> sparkJars, Map<String, String> extraEnv) throws IOException {
        this.dir = dir;
        this.sparkHome = Files.createDirectories(dir.resolve("spark-home"));
        this.jvmTmp = Files.createDirectories(dir.resolve("jvm-tmp"));
        Path jars = Files.createDirectories(sparkHome.resolve("jars"));
        Files.createDirectories(sparkHome.resolve("conf"));
        for (Path jar : sparkJars) {
            Path link = jars.resolve(jar.getFileName());
            try {
                Files.createSymbolicLink(link, jar);
            } catch (UnsupportedOperationException | IOException e) {
                Files.copy(jar, link);
            }
        }
        System.getenv().forEach((k, v) -> {
            if (!k.startsWith("SPARK_") && !k.startsWith("INFUSE_") && !k.equals("JAVA_TOOL_OPTIONS") && !k.equals("_JAVA_OPTIONS")) {
                env.put(k, v);
            }
        });
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("SPARK_HOME", sparkHome.toString());
        env.put("SPARK_CONF_DIR", sparkHome.resolve("conf").toString());
        // What bin/load-spark-env.sh exports in a Spark distribution; the launcher needs it to find jars/.
        env.put("SPARK_SCALA_VERSION", "2.13");
        // Loopback only: what every Spark JVM binds to and announces.
        env.put("SPARK_LOCAL_IP", LOOPBACK);
        env.put("SPARK_LOCAL_HOSTNAME", LOOPBACK);
        env.putAll(extraEnv);
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * Resolves Spark's class path with Maven from {@code src/it/spark-home/pom.xml}: Spark core and
     * its dependencies under the versions runner-spark is built with, and nothing else.
     */
    static List<Path> resolveSparkJars(Path moduleDir, Path work, Duration timeout) throws IOException, InterruptedException {
        String mavenHome = System.getProperty("infuse.maven.home");
        Path mvn = mavenHome == null || mavenHome.isBlank() ? Path.of("mvn") : Path.of(mavenHome, "bin", "mvn");
        Path out = work.resolve("spark-classpath.txt");
        List<String> cmd = new ArrayList<>(List.of(mvn.toString(), "-B", "-q", "-f",
                moduleDir.resolve("src/it/spark-home/pom.xml").toString(), "dependency:build-classpath",
                "-DincludeScope=runtime", "-Dmdep.outputFile=" + out));
        if (Boolean.parseBoolean(System.getProperty("infuse.maven.offline", "false"))) {
            cmd.add("-o");
        }
        String repo = System.getProperty("infuse.maven.repo");
        if (repo != null && !repo.isBlank()) {
            cmd.add("-Dmaven.repo.local=" + repo);
        }
        Path log = work.resolve("spark-classpath.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new IllegalStateException("resolving Spark's class path took over " + timeout);
        }
        if (p.exitValue() != 0 || !Files.isRegularFile(out)) {
            throw new IllegalStateException("cannot resolve Spark's class path (" + String.join(" ", cmd) + "):\n" + Files.readString(log));
        }
        List<Path> jars = Stream.of(Files.readString(out).trim().split(java.io.File.pathSeparator)).filter(s -> !s.isBlank())
                .map(Path::of).toList();
        if (jars.stream().noneMatch(j -> j.getFileName().toString().startsWith("spark-core_"))) {
            throw new IllegalStateException("no spark-core among " + jars);
        }
        return jars;
    }

    Path sparkHome() {
        return sparkHome;
    }

    /** A folder below the cluster's own, for the JVMs' temporary files. */
    Path jvmTmp() {
        return jvmTmp;
    }

    String masterUrl() {
        return "spark://" + LOOPBACK + ":" + masterPort;
    }

    Process master() {
        return master;
    }

    /** The processes of the cluster still running (master, workers, drivers; executors are the workers' children). */
    List<ProcessHandle> alive() {
        return processes.stream().filter(Process::isAlive).map(Process::toHandle).toList();
    }

    /** Starts the master and waits until it accepts connections. */
    void startMaster() throws IOException, InterruptedException {
        masterPort = freePort();
        Path log = dir.resolve("master.log");
        // No REST submission server (it would take a fixed port, 6066).
        master = daemon("org.apache.spark.deploy.master.Master", List.of("-Dspark.master.rest.enabled=false"),
                List.of("--host", LOOPBACK, "--port", Integer.toString(masterPort), "--webui-port", Integer.toString(freePort())), log);
        awaitPort(master, masterPort, log);
    }

    /** Starts a worker with one core and 1 GB for executors and waits until the master has registered it. */
    Worker startWorker(String name) throws IOException, InterruptedException {
        int port = freePort();
        Path work = Files.createDirectories(dir.resolve(name + "-work"));
        Path local = Files.createDirectories(dir.resolve(name + "-local"));
        Path log = dir.resolve(name + ".log");
        Process p = daemon("org.apache.spark.deploy.worker.Worker", List.of(),
                List.of("--host", LOOPBACK, "--port", Integer.toString(port), "--webui-port", Integer.toString(freePort()),
                        "--cores", "1", "--memory", "1g", "--work-dir", work.toString(), masterUrl()),
                log, Map.of("SPARK_LOCAL_DIRS", local.toString()));
        awaitPort(p, port, log);
        String registered = "Registering worker " + LOOPBACK + ":" + port;
        awaitLine(master, dir.resolve("master.log"), registered);
        return new Worker(name, p, port, work);
    }

    /**
     * Runs {@code spark-submit ARGS} as {@code bin/spark-submit} does: Spark's launcher builds the
     * driver's command (memory, Java options, class path from {@code SPARK_HOME}), which is then
     * started with the driver's output in the given files.
     */
    Process submit(List<String> args, Path stdout, Path stderr) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(java(), "-Xmx128m", "-cp", sparkHome.resolve("jars") + "/*",
                "org.apache.spark.launcher.Main", "org.apache.spark.deploy.SparkSubmit"));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectError(dir.resolve("launcher.err").toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        Process launcher = pb.start();
        byte[] out = launcher.getInputStream().readAllBytes();
        if (!launcher.waitFor(60, TimeUnit.SECONDS) || launcher.exitValue() != 0) {
            launcher.destroyForcibly();
            throw new IllegalStateException("Spark's launcher failed: " + Files.readString(dir.resolve("launcher.err")));
        }
        // Output: lines to show, then "\0\n", then the command's arguments each ended by '\0'.
        String text = new String(out, StandardCharsets.UTF_8);
        int start = text.indexOf("\0\n");
        if (start < 0) {
            throw new IllegalStateException("unexpected output of Spark's launcher: " + text);
        }
        List<String> driver = Stream.of(text.substring(start + 2).split("\0")).filter(s -> !s.isEmpty()).toList();
        ProcessBuilder d = new ProcessBuilder(driver).directory(dir.toFile()).redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile());
        d.environment().clear();
        d.environment().putAll(env);
        Process p = d.start();
        processes.add(p);
        return p;
    }

    /** Kills a process and its children at once (SIGKILL), as when a machine is lost, and waits for the end. */
    static void kill(Process p) throws InterruptedException {
        List<ProcessHandle> children = p.descendants().toList();
        p.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
        p.waitFor(30, TimeUnit.SECONDS);
        for (ProcessHandle c : children) {
            c.onExit().completeOnTimeout(c, 30, TimeUnit.SECONDS).join();
        }
    }

    @Override
    public void close() {
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // shutting down already
        }
    }

    private void killAll() {
        for (Process p : processes) {
            try {
                kill(p);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private Process daemon(String mainClass, List<String> jvmOptions, List<String> args, Path log) throws IOException {
        return daemon(mainClass, jvmOptions, args, log, Map.of());
    }

    private Process daemon(String mainClass, List<String> jvmOptions, List<String> args, Path log, Map<String, String> moreEnv)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of(java(), "-Xmx256m", "-Djava.io.tmpdir=" + jvmTmp));
        cmd.addAll(JAVA_OPTIONS);
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", sparkHome.resolve("conf") + java.io.File.pathSeparator + sparkHome.resolve("jars") + "/*", mainClass));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        pb.environment().putAll(moreEnv);
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** A port free on the loopback address now (the cluster takes it a moment later). */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            return s.getLocalPort();
        }
    }

    private static void awaitPort(Process p, int port, Path log) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("process ended (exit " + p.exitValue() + ") before listening on " + port + ":\n" + tail(log));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(LOOPBACK, port), 200);
                return;
            } catch (IOException e) {
                Thread.sleep(200);
            }
        }
        throw new IllegalStateException("nothing listens on " + LOOPBACK + ":" + port + " after " + START_TIMEOUT + ":\n" + tail(log));
    }

    private static void awaitLine(Process p, Path log, String text) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.isRegularFile(log) && Files.readString(log).contains(text)) {
                return;
            }
            if (!p.isAlive()) {
                break;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("no '" + text + "' in " + log + ":\n" + tail(log));
    }

    static String tail(Path log) throws IOException {
        if (!Files.isRegularFile(log)) {
            return "(no " + log + ")";
        }
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    /**
     * The TCP sockets each of these processes (and their children) listens on, from {@code /proc}; empty
     * where {@code /proc} is not there.
     */
    static Map<String, Set<InetSocketAddress>> listening(List<ProcessHandle> roots) {
        Map<String, Set<InetSocketAddress>> out = new HashMap<>();
        Path proc = Path.of("/proc");
        if (!Files.isRegularFile(proc.resolve("net/tcp"))) {
            return out;
        }
        Map<Long, InetSocketAddress> listeners = new HashMap<>();
        for (String table : List.of("net/tcp", "net/tcp6")) {
            try {
                for (String line : Files.readAllLines(proc.resolve(table)).stream().skip(1).toList()) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length > 9 && f[3].equals("0A")) { // LISTEN
                        String[] hostPort = f[1].split(":");
                        listeners.put(Long.parseLong(f[9]), new InetSocketAddress(address(hostPort[0]), Integer.parseInt(hostPort[1], 16)));
                    }
                }
            } catch (IOException | RuntimeException e) {
                // a table that is not there (no IPv6)
            }
        }
        for (ProcessHandle root : roots) {
            for (ProcessHandle h : Stream.concat(Stream.of(root), root.descendants()).toList()) {
                Path fds = proc.resolve(Long.toString(h.pid())).resolve("fd");
                try (Stream<Path> s = Files.list(fds)) {
                    Set<InetSocketAddress> mine = s.map(fd -> {
                        try {
                            String target = Files.readSymbolicLink(fd).toString();
                            return target.startsWith("socket:[") ? listeners.get(Long.parseLong(target.substring(8, target.length() - 1))) : null;
                        } catch (IOException | RuntimeException e) {
                            return null;
                        }
                    }).filter(a -> a != null).collect(Collectors.toSet());
                    if (!mine.isEmpty()) {
                        out.computeIfAbsent(h.pid() + " " + h.info().commandLine().map(c -> c.length() > 160 ? c.substring(c.length() - 160) : c)
                                .orElse("?"), k -> new java.util.HashSet<>()).addAll(mine);
                    }
                } catch (IOException e) {
                    // the process ended meanwhile
                }
            }
        }
        return out;
    }

    /** An address of /proc/net/tcp{,6}: 32-bit words in the host's (little-endian) byte order. */
    static InetAddress address(String hex) {
        byte[] b = new byte[hex.length() / 2];
        for (int w = 0; w < b.length / 4; w++) {
            int word = Integer.reverseBytes((int) Long.parseLong(hex.substring(w * 8, w * 8 + 8), 16));
            for (int i = 0; i < 4; i++) {
                b[w * 4 + i] = (byte) (word >>> (24 - 8 * i));
            }
        }
        try {
            return InetAddress.getByAddress(b); // an IPv4-mapped IPv6 address comes back as IPv4
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(hex, e);
        }
    }
}
