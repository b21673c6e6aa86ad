package io.sluice.http.push;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * Writes into a directory that a web server (or a sync to object storage) serves: each file is written to a
 * temporary name beside its target ({@code .<name>.<n>.tmp}) and renamed over it atomically, so a reader
 * sees the old or the new file whole, never a partial one (playlists are replaced every segment). Blocking
 * file calls run on one thread of the writer's own.
 *
 * <p>Thread-safe.
 */
final class DirectoryOriginWriter implements OriginWriter {
    private final Path root;
    private final ExecutorService io;
    private long tempCounter;

    DirectoryOriginWriter(Path root) {
        this.root = root.toAbsolutePath().normalize();
        this.io = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "sluice-push-dir");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public String location(String path) {
        return root + "/" + path;
    }

    @Override
    public CompletableFuture<Void> put(String path, byte[] body, String contentType) {
        Path target = root.resolve(OriginWriter.checkPath(path));
        return run("PUT", target, () -> {
            Files.createDirectories(target.getParent());
            Path tmp = target.resolveSibling("." + target.getFileName() + "." + (++tempCounter) + ".tmp");
            try {
                Files.write(tmp, body);
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        });
    }

    @Override
    public CompletableFuture<Void> delete(String path) {
        Path target = root.resolve(OriginWriter.checkPath(path));
        return run("DELETE", target, () -> Files.deleteIfExists(target));
    }

    private interface FileCall {
        void run() throws IOException;
    }

    private CompletableFuture<Void> run(String method, Path target, FileCall call) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            io.execute(() -> {
                try {
                    call.run();
                    done.complete(null);
                } catch (IOException | RuntimeException e) {
                    done.completeExceptionally(new OriginWriteException(method, target.toString(), 0,
                            !(e instanceof AccessDeniedException), e.toString(), e));
                }
            });
        } catch (RejectedExecutionException e) {
            done.completeExceptionally(new OriginWriteException(method, target.toString(), 0, false, "writer closed", e));
        }
        return done;
    }

    @Override
    public void close() {
        io.shutdown();
    }

    @Override
    public String toString() {
        return "DirectoryOriginWriter{" + root + '}';
    }
}
