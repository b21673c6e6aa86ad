package io.sluice.rtmp.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.codec.MediaSources;
import io.sluice.core.StreamPipeline;
import io.sluice.core.TransportException;
import io.sluice.core.VideoEncoderConfig;
import io.sluice.rtmp.client.RtmpTransport;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/** rtmps:// through a TLS terminator with a self-signed certificate in front of nginx-rtmp. */
@Tag("interop")
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RtmpsTlsProxyInteropTest {
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    @Test
    void publishesOverTlsTrustingTheSelfSignedCertificate() throws Exception {
        assertTrue(NginxRtmp.available() && FfmpegTools.available(), "needs nginx, libnginx-mod-rtmp and ffmpeg (.ci/install-deps.sh)");
        try (NginxRtmp nginx = NginxRtmp.start(dir, true); TlsProxy tls = TlsProxy.start(nginx.port())) {
            URI url = URI.create("rtmps://127.0.0.1:" + tls.port() + "/live/tls");

            // Not trusted: the system trust store does not know the certificate.
            TransportException untrusted = assertThrows(TransportException.class,
                    () -> RtmpTransport.builder(url).build().open(List.of(RtmpTransportErrorsInteropTest.VIDEO),
                            new RtmpTransportErrorsInteropTest.Feedback()));
            assertTrue(untrusted.getMessage().contains("TLS handshake with rtmps://127.0.0.1:" + tls.port() + "/live failed"),
                    untrusted.getMessage());

            // Trusted from a PEM file.
            Path pem = dir.resolve("proxy.pem");
            Files.writeString(pem, "-----BEGIN CERTIFICATE-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(tls.certificate().getEncoded())
                    + "\n-----END CERTIFICATE-----\n");
            RtmpTransport rtmp = RtmpTransport.builder(url).trustCertificatesFrom(pem).build();
            long videoFrames;
            try (StreamPipeline p = StreamPipeline.builder()
                    .source(MediaSources.open("pattern:320x240@30"))
                    .video(VideoEncoderConfig.builder().bitrateBps(500_000).gop(Duration.ofSeconds(1)).build())
                    .transport(rtmp)
                    .realtime(true)
                    .duration(Duration.ofSeconds(2))
                    .build()) {
                p.start();
                p.completion().get(60, TimeUnit.SECONDS);
                videoFrames = p.stats().tracks().stream().filter(t -> t.track().isVideo()).mapToLong(t -> t.framesOut()).sum();
            }
            Path rec;
            try (var s = Files.list(nginx.recordings())) {
                rec = s.filter(f -> f.toString().endsWith(".flv")).findFirst().orElseThrow();
            }
            FfmpegTools.Probe probe = FfmpegTools.probe(rec);
            System.out.printf("rtmps: published %d video frames, nginx received %d decodable video + %d audio frames%n",
                    videoFrames, probe.count("video"), probe.count("audio"));
            assertEquals(List.of("audio:aac", "video:h264"), probe.streams().stream().sorted().toList());
            assertTrue(probe.count("video") >= videoFrames * 0.95, probe.count("video") + " of " + videoFrames);
            assertEquals(320, probe.firstVideo().width());
            assertTrue(FfmpegTools.decodeErrors(rec).isEmpty());
        }
    }
}
