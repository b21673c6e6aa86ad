package io.sluice.rtmp.interop;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * An nginx with the RTMP module on a free loopback port, for interop tests: writes its own
 * nginx.conf, error log and pid file into a temp directory, runs in the foreground
 * ({@code daemon off; master_process off;}) and can be stopped and started again on the same port.
 */
public final class NginxRtmp implements AutoCloseable {
    /** Debian's nginx binary and RTMP module (packages nginx, libnginx-mod-rtmp). */
    public static final Path NGINX = Path.of("/usr/sbin/nginx");
    public static final Path MODULE = Path.of("/usr/lib/nginx/modules/ngx_rtmp_module.so");

    private final Path dir;
    private final int port;
    private final boolean record;
    private Process process;

    private NginxRtmp(Path dir, int port, boolean record) {
        this.dir = dir;
        this.port = port;
        this.record = record;
    }

    /** Whether nginx and its RTMP module are installed. */
    public static boolean available() {
        return Files.isExecutable(NGINX) && Files.isReadable(MODULE);
    }

    /** Starts nginx on a free port with application {@code live} (live on, record off). */
    public static NginxRtmp start(Path dir) throws IOException, InterruptedException {
        return start(dir, false);
    }

    /**
     * Starts nginx on a free port; with {@code record}, nginx also records every publish session
     * into its own file under {@link #recordings()} ({@code record all; record_unique on}), exactly
     * as it received it.
     */
    public static NginxRtmp start(Path dir, boolean record) throws IOException, InterruptedException {
        NginxRtmp n = new NginxRtmp(dir, freePort(), record);
        n.writeConfig();
        n.start();
        return n;
    }

    /** A port nobody listens on right now. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    public int port() {
        return port;
    }

    /** Where recordings go (see {@link #start(Path, boolean)}). */
    public Path recordings() {
        return dir.resolve("rec");
    }

    /** {@code rtmp://127.0.0.1:PORT/live/streamName}. */
    public String url(String streamName) {
        return "rtmp://127.0.0.1:" + port + "/live/" + streamName;
    }

    private void writeConfig() throws IOException {
        String conf = """
                load_module %s;
                daemon off;
                master_process off;
                worker_processes 1;
                pid %s/nginx.pid;
                error_log %s/error.log info;
                events { worker_connections 256; }
                rtmp {
                    server {
                        listen 127.0.0.1:%d;
                        chunk_size 4096;
                        application live {
                            live on;
                            %s
                        }
                    }
                }
                """.formatted(MODULE, dir, dir, port, record
                        ? "record all; record_path " + recordings() + "; record_unique on;" : "record off;");
        Files.writeString(dir.resolve("nginx.conf"), conf);
        Files.createDirectories(dir.resolve("logs"));
        Files.createDirectories(recordings());
    }

    /** Starts (or restarts) nginx and waits until the port accepts connections. */
    public void start() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("nginx already running");
        }
        process = new ProcessBuilder(NGINX.toString(), "-c", dir.resolve("nginx.conf").toString(), "-p", dir + "/",
                "-e", dir.resolve("error.log").toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("stdout.log").toFile())
                .start();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("nginx exited with " + process.exitValue() + ": " + log());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                Thread.sleep(20);
            }
        }
        throw new IOException("nginx did not listen on " + port + " within 10 s: " + log());
    }

    /** Kills nginx (SIGKILL: a crash, connections drop without goodbye) and waits for it to exit. */
    public void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** The error log, for failure messages. */
    public String log() {
        try {
            return Files.readString(dir.resolve("error.log")) + Files.readString(dir.resolve("stdout.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(3, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }
}
