package io.sluice.http.push;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's nginx as a WebDAV origin on a free loopback port, for push tests: its own config, logs, temp
 * directories and document root ({@link #root()}) in a temp directory, in the foreground
 * ({@code daemon off; master_process off;}), stopped by its process. Locations: {@code /} takes {@code PUT}
 * and {@code DELETE} ({@code dav_methods PUT DELETE; create_full_put_path on;}); {@code /forbidden/} refuses
 * writes with 403; {@code /broken/} answers writes with 500. The access log ({@link #accessLog()}) has one
 * line {@code <method> <uri> <status>} per request, in completion order.
 */
public final class NginxDav implements AutoCloseable {
    public static final Path NGINX = Path.of("/usr/sbin/nginx");

    private final Path dir;
    private final int port;
    private Process process;

    private NginxDav(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** Whether Debian's nginx is installed (it is built with {@code --with-http_dav_module}). */
    public static boolean available() {
        return Files.isExecutable(NGINX);
    }

    public static NginxDav start(Path dir) throws IOException, InterruptedException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        NginxDav n = new NginxDav(dir, port);
        n.writeConfig();
        n.run();
        return n;
    }

    /** {@code http://127.0.0.1:PORT/} */
    public String url() {
        return "http://127.0.0.1:" + port + "/";
    }

    public int port() {
        return port;
    }

    /** The document root: what the origin holds. */
    public Path root() {
        return dir.resolve("www");
    }

    /** Lines {@code <method> <uri> <status>} of every request so far. */
    public List<String> accessLog() throws IOException {
        Path p = dir.resolve("access.log");
        return Files.exists(p) ? Files.readAllLines(p) : List.of();
    }

    private void writeConfig() throws IOException {
        for (String d : List.of("www", "tmp")) {
            Files.createDirectories(dir.resolve(d));
        }
        String conf = """
                daemon off;
                master_process off;
                worker_processes 1;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log info;
                events { worker_connections 256; }
                http {
                    types { application/vnd.apple.mpegurl m3u8; application/dash+xml mpd; video/mp4 mp4;
                            video/iso.segment m4s; text/html html; application/javascript js; }
                    log_format ops '$request_method $uri $status';
                    access_log %1$s/access.log ops;
                    client_body_temp_path %1$s/tmp/body;
                    proxy_temp_path %1$s/tmp/proxy;
                    fastcgi_temp_path %1$s/tmp/fastcgi;
                    uwsgi_temp_path %1$s/tmp/uwsgi;
                    scgi_temp_path %1$s/tmp/scgi;
                    server {
                        listen 127.0.0.1:%2$d;
                        root %1$s/www;
                        client_max_body_size 64m;
                        location / {
                            dav_methods PUT DELETE;
                            create_full_put_path on;
                            dav_access user:rw group:r all:r;
                        }
                        location /forbidden/ {
                            limit_except GET HEAD { deny all; }
                        }
                        location /broken/ {
                            if ($request_method = PUT) { return 500; }
                        }
                    }
                }
                """.formatted(dir, port);
        Files.writeString(dir.resolve("nginx.conf"), conf);
    }

    private void run() throws IOException, InterruptedException {
        process = new ProcessBuilder(NGINX.toString(), "-c", dir.resolve("nginx.conf").toString(), "-p", dir + "/",
                "-e", dir.resolve("error.log").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
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
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }
}
