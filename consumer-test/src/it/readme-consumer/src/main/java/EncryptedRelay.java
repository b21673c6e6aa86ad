import io.sluice.codec.MediaSources;
import io.sluice.codec.ffmpeg.FfmpegSource;
import io.sluice.core.StreamPipeline;
import io.sluice.crypto.Sframe;
import io.sluice.crypto.sframe.InMemoryKeyProvider;
import io.sluice.crypto.sframe.KeyProvider;
import io.sluice.rtmp.server.RtmpServer;
import java.net.InetAddress;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;

public class EncryptedRelay {
    public static void main(String[] args) throws Exception {
        byte[] baseKey = HexFormat.of().parseHex("6bc1bee22e409f96e93d7e117393172a");  // 16+ secret bytes, shared out of band
        KeyProvider keys = new InMemoryKeyProvider().put(1, baseKey);
        try (RtmpServer relay = RtmpServer.builder()                // routes the stream, never holds the key
                .bindAddress(InetAddress.getLoopbackAddress()).port(0).build().start()) {
            String url = "rtmp://127.0.0.1:" + relay.port() + "/live/x";
            try (StreamPipeline subscriber = StreamPipeline.builder()
                         .source(FfmpegSource.builder(url).opaquePayloads(true).build())  // FFmpeg leaves ciphertext alone
                         .copy(true)
                         .transform(Sframe.decryptor(keys))          // first, before anything reads payloads
                         .transport("recording.mp4")
                         .build();
                 StreamPipeline publisher = StreamPipeline.builder()
                         .source(MediaSources.open(args.length > 0 ? args[0] : "clip.mp4")).copy(true)
                         .encryption(Sframe.encryptor(keys, 1))      // runs after every other transform
                         .transport(url)
                         .realtime(true)
                         .build()) {
                CompletableFuture<Void> playing = CompletableFuture.runAsync(subscriber::start);  // waits for the publisher
                publisher.start();
                publisher.completion().join();
                playing.join();
                subscriber.completion().join();                     // the relay tells its players the publisher left
            }
        }
    }
}
