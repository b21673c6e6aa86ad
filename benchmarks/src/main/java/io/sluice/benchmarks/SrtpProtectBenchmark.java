package io.sluice.benchmarks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.webrtc.srtp.SrtpKeyingMaterial;
import io.sluice.webrtc.srtp.SrtpProfile;
import io.sluice.webrtc.srtp.SrtpReceiver;
import io.sluice.webrtc.srtp.SrtpResult;
import io.sluice.webrtc.srtp.SrtpSender;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * SRTP protect of one 1200-octet RTP packet (12-octet header, 1188 payload) in place with
 * {@link SrtpSender}, against the bare JDK doing the same AES work on the same buffer:
 * {@code AES/CTR/NoPadding} + {@code HmacSHA1} (80-bit tag) for AES128_CM_HMAC_SHA1_80, and
 * {@code AES/GCM/NoPadding} with the header as AAD for AEAD_AES_128_GCM, each re-initialised with the
 * packet's IV as a straightforward implementation would. The sequence number advances every
 * operation, so no IV repeats. Both sides work on heap arrays (the Sluice packet is an unpooled
 * heap {@code ByteBuf}, so {@link SrtpSender} works on its backing array without a copy). Ratio =
 * {@code jdk} time / {@code srtp} time (goal ≥ 0.8); allocation per packet from {@code -prof gc}
 * ({@code gc.alloc.rate.norm}, goal 0).
 *
 * <p>On a shared, loaded machine JMH's averages carry ±100 % errors. {@link #main} measures the
 * ratio robustly instead: it alternates rounds of 5000 {@link #srtp()}, {@link #jdk()},
 * {@link #srtpRoundTrip()} and {@link #jdkRoundTrip()} calls on the same state, 200 rounds after
 * warm-up, and reports the fastest round of each (noise only ever adds time). The round trips add
 * {@link SrtpReceiver#unprotectRtp} (verify, then decrypt) against the JDK doing the same.
 *
 * <pre>
 * mvn -q -Pgpl -DskipTests package -pl core,codec,crypto,transport-rtmp,transport-webrtc,benchmarks
 * java -jar benchmarks/target/benchmarks.jar SrtpProtectBenchmark -prof gc -f 1 -wi 3 -i 5 -w 1 -r 1
 * java -cp benchmarks/target/benchmarks.jar io.sluice.benchmarks.SrtpProtectBenchmark
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SrtpProtectBenchmark {
    static final int PACKET = 1200;
    static final int HEADER = 12;

    @Param({"AES128_CM_HMAC_SHA1_80", "AEAD_AES_128_GCM"})
    public String profile;

    private SrtpProfile srtpProfile;
    private SrtpSender sender;
    private SrtpReceiver receiver;
    private ByteBuf packet;
    private int seq;

    private Cipher cipher;
    private Mac mac;
    private SecretKeySpec key;
    private byte[] array;
    private final byte[] iv16 = new byte[16];
    private final byte[] iv12 = new byte[12];
    private final byte[] tag = new byte[20];
    private final byte[] roc = new byte[4];

    @Setup
    public void setup() throws Exception {
        srtpProfile = SrtpProfile.valueOf(profile);
        Random r = new Random(1);
        byte[] mk = new byte[srtpProfile.keyLength()];
        byte[] ms = new byte[srtpProfile.saltLength()];
        r.nextBytes(mk);
        r.nextBytes(ms);
        sender = new SrtpSender(new SrtpKeyingMaterial(srtpProfile, mk, ms));
        receiver = new SrtpReceiver(new SrtpKeyingMaterial(srtpProfile, mk, ms));
        byte[] p = new byte[PACKET];
        r.nextBytes(p);
        p[0] = (byte) 0x80;
        p[1] = 96;
        packet = Unpooled.buffer(PACKET + 64, PACKET + 64);
        packet.writeBytes(p);

        array = new byte[PACKET + 64];
        System.arraycopy(p, 0, array, 0, PACKET);
        key = new SecretKeySpec(mk, "AES");
        if (srtpProfile.isAead()) {
            cipher = Cipher.getInstance("AES/GCM/NoPadding");
        } else {
            cipher = Cipher.getInstance("AES/CTR/NoPadding");
            mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(new byte[20], "HmacSHA1"));
        }
    }

    /** Sluice: {@link SrtpSender#protectRtp} in place. */
    @Benchmark
    public int srtp() {
        seq = (seq + 1) & 0xFFFF;
        packet.setIndex(0, PACKET);
        packet.setShort(2, seq);
        if (sender.protectRtp(packet) != SrtpResult.OK) {
            throw new IllegalStateException("protect failed");
        }
        return packet.writerIndex();
    }

    /** The bare JDK: one Cipher (and Mac) doing the same encryption and authentication in place. */
    @Benchmark
    public int jdk() throws Exception {
        seq = (seq + 1) & 0xFFFF;
        array[2] = (byte) (seq >>> 8);
        array[3] = (byte) seq;
        if (srtpProfile.isAead()) {
            iv12[10] = (byte) (seq >>> 8);
            iv12[11] = (byte) seq;
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv12));
            cipher.updateAAD(array, 0, HEADER);
            return cipher.doFinal(array, HEADER, PACKET - HEADER, array, HEADER);
        }
        iv16[12] = (byte) (seq >>> 8);
        iv16[13] = (byte) seq;
        cipher.init(Cipher.ENCRYPT_MODE, key, new IvParameterSpec(iv16));
        int n = cipher.doFinal(array, HEADER, PACKET - HEADER, array, HEADER);
        mac.update(array, 0, PACKET);
        mac.update(roc);
        mac.doFinal(tag, 0);
        System.arraycopy(tag, 0, array, PACKET, 10);
        return n;
    }

    /** Sluice: protect, then {@link SrtpReceiver#unprotectRtp} (verify + decrypt) of the same packet. */
    @Benchmark
    public int srtpRoundTrip() {
        srtp();
        if (receiver.unprotectRtp(packet) != SrtpResult.OK) {
            throw new IllegalStateException("unprotect failed");
        }
        return packet.writerIndex();
    }

    /** The bare JDK: {@link #jdk()}, then verify the tag and decrypt in place. */
    @Benchmark
    public int jdkRoundTrip() throws Exception {
        jdk();
        if (srtpProfile.isAead()) {
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, iv12));
            cipher.updateAAD(array, 0, HEADER);
            return cipher.doFinal(array, HEADER, PACKET - HEADER + 16, array, HEADER);
        }
        mac.update(array, 0, PACKET);
        mac.update(roc);
        mac.doFinal(tag, 0);
        int diff = 0;
        for (int i = 0; i < 10; i++) {
            diff |= tag[i] ^ array[PACKET + i];
        }
        if (diff != 0) {
            throw new IllegalStateException("tag mismatch");
        }
        cipher.init(Cipher.DECRYPT_MODE, key, new IvParameterSpec(iv16));
        return cipher.doFinal(array, HEADER, PACKET - HEADER, array, HEADER);
    }

    /**
     * Paired best-of-rounds measurement of both profiles (see the class comment).
     *
     * @param args optional: rounds (default 200)
     */
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int perRound = 5000;
        for (SrtpProfile p : new SrtpProfile[] {SrtpProfile.AES128_CM_HMAC_SHA1_80, SrtpProfile.AEAD_AES_128_GCM}) {
            SrtpProtectBenchmark b = new SrtpProtectBenchmark();
            b.profile = p.name();
            b.setup();
            long sink = 0;
            double[] best = {Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE};
            for (int r = -20; r < rounds; r++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < perRound; i++) {
                    sink += b.srtp();
                }
                long t1 = System.nanoTime();
                for (int i = 0; i < perRound; i++) {
                    sink += b.jdk();
                }
                long t2 = System.nanoTime();
                for (int i = 0; i < perRound; i++) {
                    sink += b.srtpRoundTrip();
                }
                long t3 = System.nanoTime();
                for (int i = 0; i < perRound; i++) {
                    sink += b.jdkRoundTrip();
                }
                long t4 = System.nanoTime();
                if (r >= 0) {
                    best[0] = Math.min(best[0], (t1 - t0) / (double) perRound);
                    best[1] = Math.min(best[1], (t2 - t1) / (double) perRound);
                    best[2] = Math.min(best[2], (t3 - t2) / (double) perRound);
                    best[3] = Math.min(best[3], (t4 - t3) / (double) perRound);
                }
            }
            System.out.printf("%-24s best of %d rounds: protect srtp %5.0f ns jdk %5.0f ns ratio %.2f;"
                    + " protect+unprotect srtp %5.0f ns jdk %5.0f ns ratio %.2f  (%d)%n", p, rounds, best[0], best[1],
                    best[1] / best[0], best[2], best[3], best[3] / best[2], sink & 1);
        }
    }
}
