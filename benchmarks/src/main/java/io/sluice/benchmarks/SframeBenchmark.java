package io.sluice.benchmarks;

import io.sluice.crypto.sframe.InMemoryKeyProvider;
import io.sluice.crypto.sframe.SframeCipherSuite;
import io.sluice.crypto.sframe.SframeHeader;
import io.sluice.crypto.sframe.SframeReceiveStatus;
import io.sluice.crypto.sframe.SframeReceiver;
import io.sluice.crypto.sframe.SframeSender;
import java.security.GeneralSecurityException;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * SFrame (RFC 9605) encryption and decryption of one frame through {@link SframeSender} /
 * {@link SframeReceiver}, against a baseline doing the same AES work with the bare JDK on the same
 * buffers: for GCM one {@code Cipher.init} + {@code updateAAD(header)} + {@code doFinal} per frame with
 * the same nonce pattern (salt XOR counter); for CTR+HMAC one {@code AES/CTR} {@code init} + {@code doFinal}
 * plus {@code Mac} over header and ciphertext. Throughput in frames/s; multiply by {@code size} for
 * bytes/s. {@code -prof gc} gives {@code gc.alloc.rate.norm}, bytes allocated per frame.
 *
 * <pre>
 * mvn -q -Pgpl -DskipTests package -pl core,codec,crypto,benchmarks
 * java -jar benchmarks/target/benchmarks.jar SframeBenchmark -prof gc -f 1 -wi 3 -i 5 -w 1 -r 1
 * </pre>
 * Suites 0x0002 and 0x0003 do exactly the work of 0x0001 (only the tag is truncated further); add them
 * with {@code -p suite=AES_128_CTR_HMAC_SHA256_64,AES_128_CTR_HMAC_SHA256_32}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
public class SframeBenchmark {
    @Param({"AES_128_CTR_HMAC_SHA256_80", "AES_128_GCM_SHA256_128", "AES_256_GCM_SHA512_128"})
    public SframeCipherSuite suite;

    /** Frame payload size, bytes. */
    @Param({"1024", "10240", "102400"})
    public int size;

    private static final long KID = 0x1234;

    private SframeSender sender;
    private SframeReceiver receiver;
    private byte[] plaintext;
    private byte[] out;
    private byte[] ciphertext;
    private int ciphertextLength;
    private byte[] decrypted;

    // bare JDK baseline
    private Cipher cipher;
    private Mac mac;
    private SecretKeySpec aesKey;
    private byte[] salt;
    private byte[] nonce;
    private byte[] counterBlock;
    private byte[] header;
    private byte[] jdkCiphertext;
    private int jdkCiphertextLength;
    private long jdkCtr;

    @Setup
    public void setup() throws GeneralSecurityException {
        Random rnd = new Random(9605);
        byte[] baseKey = new byte[16];
        rnd.nextBytes(baseKey);
        InMemoryKeyProvider keys = new InMemoryKeyProvider().put(KID, baseKey);
        sender = new SframeSender(suite, keys, KID);
        sender.useKid(KID, 1L << 20); // a typical mid-stream 3-byte CTR
        receiver = SframeReceiver.create(suite, keys);
        plaintext = new byte[size];
        rnd.nextBytes(plaintext);
        out = new byte[sender.maxCiphertextLength(size)];
        ciphertext = new byte[out.length];
        ciphertextLength = sender.encrypt(plaintext, 0, size, null, 0, 0, ciphertext, 0);
        decrypted = new byte[size];

        byte[] aes = new byte[suite.aesKeyLength()];
        rnd.nextBytes(aes);
        aesKey = new SecretKeySpec(aes, "AES");
        salt = new byte[12];
        rnd.nextBytes(salt);
        nonce = new byte[12];
        counterBlock = new byte[16];
        header = SframeHeader.of(KID, 1L << 20).encode();
        if (suite.isCtrHmac()) {
            cipher = Cipher.getInstance("AES/CTR/NoPadding");
            byte[] auth = new byte[suite.nh()];
            rnd.nextBytes(auth);
            mac = Mac.getInstance(suite.hmacName());
            mac.init(new SecretKeySpec(auth, suite.hmacName()));
        } else {
            cipher = Cipher.getInstance("AES/GCM/NoPadding");
        }
        jdkCiphertext = new byte[out.length];
        jdkCtr = 1L << 20;
        jdkCiphertextLength = jdkEncryptInto(jdkCiphertext);
    }

    @Benchmark
    public int sframeEncrypt() {
        return sender.encrypt(plaintext, 0, size, null, 0, 0, out, 0);
    }

    @Benchmark
    public SframeReceiveStatus sframeDecrypt() {
        return receiver.decrypt(ciphertext, 0, ciphertextLength, null, 0, 0, decrypted, 0);
    }

    @Benchmark
    public int jdkEncrypt() throws GeneralSecurityException {
        return jdkEncryptInto(out);
    }

    @Benchmark
    public int jdkDecrypt() throws GeneralSecurityException {
        int hl = header.length;
        formNonce(1L << 20);
        if (suite.isCtrHmac()) {
            int ctLen = jdkCiphertextLength - hl - suite.nt();
            mac.update(jdkCiphertext, 0, hl);
            mac.update(jdkCiphertext, hl, ctLen);
            byte[] tag = mac.doFinal();
            System.arraycopy(nonce, 0, counterBlock, 0, 12);
            cipher.init(Cipher.DECRYPT_MODE, aesKey, new IvParameterSpec(counterBlock));
            return cipher.doFinal(jdkCiphertext, hl, ctLen, decrypted, 0) + tag[0];
        }
        cipher.init(Cipher.DECRYPT_MODE, aesKey, new GCMParameterSpec(128, nonce));
        cipher.updateAAD(jdkCiphertext, 0, hl);
        return cipher.doFinal(jdkCiphertext, hl, jdkCiphertextLength - hl, decrypted, 0);
    }

    private int jdkEncryptInto(byte[] dst) throws GeneralSecurityException {
        int hl = header.length;
        System.arraycopy(header, 0, dst, 0, hl);
        formNonce(jdkCtr++);
        if (suite.isCtrHmac()) {
            System.arraycopy(nonce, 0, counterBlock, 0, 12);
            cipher.init(Cipher.ENCRYPT_MODE, aesKey, new IvParameterSpec(counterBlock));
            int n = cipher.doFinal(plaintext, 0, size, dst, hl);
            mac.update(dst, 0, hl + n);
            byte[] tag = mac.doFinal();
            System.arraycopy(tag, 0, dst, hl + n, suite.nt());
            return hl + n + suite.nt();
        }
        cipher.init(Cipher.ENCRYPT_MODE, aesKey, new GCMParameterSpec(128, nonce));
        cipher.updateAAD(dst, 0, hl);
        return hl + cipher.doFinal(plaintext, 0, size, dst, hl);
    }

    private void formNonce(long ctr) {
        System.arraycopy(salt, 0, nonce, 0, 12);
        for (int i = 0; i < 8; i++) {
            nonce[4 + i] ^= (byte) (ctr >>> (56 - 8 * i));
        }
    }
}
