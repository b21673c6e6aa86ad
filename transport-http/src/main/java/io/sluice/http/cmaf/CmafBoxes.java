package io.sluice.http.cmaf;

import io.sluice.core.TrackInfo;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Writes CMAF headers and fragments (ISO/IEC 23000-19 §7.3) as ISO BMFF boxes (ISO/IEC 14496-12):
 * the init segment ({@code ftyp} + {@code moov} with {@code mvex/trex}) and one fragment
 * ({@code moof} + {@code mdat}) holding one run of samples per track. Stateless; thread-safe.
 */
public final class CmafBoxes {
    /** {@code sample_flags} of a sync sample: {@code sample_depends_on = 2} (§8.8.3.1). */
    static final int SYNC_SAMPLE_FLAGS = 0x0200_0000;
    /** {@code sample_flags} of a non-sync sample: {@code sample_depends_on = 1}, {@code sample_is_non_sync_sample = 1}. */
    static final int NON_SYNC_SAMPLE_FLAGS = 0x0101_0000;

    private CmafBoxes() {
    }

    /**
     * The CMAF header for {@code tracks}: {@code ftyp} (major brand {@code iso6}, compatible {@code iso6 cmfc
     * mp41}) and {@code moov} with one {@code trak} per track and {@code mvex/trex}, every sample table empty.
     */
    public static byte[] initSegment(List<CmafTrack> tracks) {
        BoxWriter w = new BoxWriter(1024);
        w.start("ftyp").fourCc("iso6").u32(0).fourCc("iso6").fourCc("cmfc").fourCc("mp41").end();
        w.start("moov");
        w.startFull("mvhd", 0, 0).u32(0).u32(0).u32(1000).u32(0).u32(0x0001_0000).u16(0x0100).zeros(10)
                .unityMatrix().zeros(24);
        int nextTrackId = 1;
        for (CmafTrack t : tracks) {
            nextTrackId = Math.max(nextTrackId, t.isoTrackId() + 1);
        }
        w.u32(nextTrackId).end();
        for (CmafTrack t : tracks) {
            trak(w, t);
        }
        w.start("mvex");
        for (CmafTrack t : tracks) {
            w.startFull("trex", 0, 0).u32(t.isoTrackId()).u32(1).u32(0).u32(0).u32(0).end();
        }
        w.end().end();
        return w.toByteArray();
    }

    private static void trak(BoxWriter w, CmafTrack t) {
        TrackInfo info = t.info();
        boolean video = t.isVideo();
        w.start("trak");
        w.startFull("tkhd", 0, 0x3).u32(0).u32(0).u32(t.isoTrackId()).u32(0).u32(0).zeros(8).u16(0).u16(0)
                .u16(video ? 0 : 0x0100).u16(0).unityMatrix().u32((long) info.width() << 16).u32((long) info.height() << 16).end();
        long priming = t.primingTicks();
        if (priming > 0) {
            // one edit (ISO/IEC 14496-12 §8.6.6): the whole track from media time `priming` on, so the encoder's
            // priming is not presented; segment_duration 0 as the fragments' duration is not known (CMAF §7.5.13)
            w.start("edts").startFull("elst", 0, 0).u32(1).u32(0).u32(priming).u16(1).u16(0).end().end();
        }
        w.start("mdia");
        w.startFull("mdhd", 0, 0).u32(0).u32(0).u32(t.timescale()).u32(0).u16(0x55C4 /* 'und' */).u16(0).end();
        String handlerName = video ? "VideoHandler" : "SoundHandler";
        w.startFull("hdlr", 0, 0).u32(0).fourCc(video ? "vide" : "soun").zeros(12)
                .bytes(handlerName.getBytes(StandardCharsets.US_ASCII)).u8(0).end();
        w.start("minf");
        if (video) {
            w.startFull("vmhd", 0, 1).zeros(8).end();
        } else {
            w.startFull("smhd", 0, 0).zeros(4).end();
        }
        w.start("dinf").startFull("dref", 0, 0).u32(1).startFull("url ", 0, 1).end().end().end();
        w.start("stbl");
        w.startFull("stsd", 0, 0).u32(1);
        sampleEntry(w, t);
        w.end();
        w.startFull("stts", 0, 0).u32(0).end();
        w.startFull("stsc", 0, 0).u32(0).end();
        w.startFull("stsz", 0, 0).u32(0).u32(0).end();
        w.startFull("stco", 0, 0).u32(0).end();
        w.end().end().end().end();
    }

    private static void sampleEntry(BoxWriter w, CmafTrack t) {
        TrackInfo info = t.info();
        byte[] config = info.codecConfig();
        switch (info.codec()) {
            case H264, H265 -> {
                boolean avc = info.codec() == io.sluice.core.Codec.H264;
                w.start(avc ? "avc1" : "hvc1").zeros(6).u16(1) // SampleEntry: reserved, data_reference_index
                        .zeros(16).u16(info.width()).u16(info.height()).u32(0x0048_0000).u32(0x0048_0000).u32(0)
                        .u16(1).zeros(32).u16(0x0018).u16(0xFFFF);
                w.start(avc ? "avcC" : "hvcC").bytes(config).end();
                w.end();
            }
            case AAC -> {
                audioSampleEntry(w, "mp4a", info.channels(), info.sampleRate());
                esds(w, t, config);
                w.end();
            }
            case OPUS -> {
                audioSampleEntry(w, "Opus", info.channels(), 48_000);
                dOps(w, config);
                w.end();
            }
            default -> throw new IllegalStateException("unreachable: " + info.codec());
        }
    }

    private static void audioSampleEntry(BoxWriter w, String type, int channels, int sampleRate) {
        w.start(type).zeros(6).u16(1).zeros(8).u16(channels).u16(16).u16(0).u16(0)
                .u32(sampleRate > 0xFFFF ? 0 : (long) sampleRate << 16);
    }

    /** {@code esds} (ISO/IEC 14496-14 §5.6) with the ES, decoder-config and SL descriptors (ISO/IEC 14496-1 §7.2.6). */
    private static void esds(BoxWriter w, CmafTrack t, byte[] asc) {
        long bitrate = t.info().bitrateBps();
        int dcd = 13 + sizeOfDescriptor(asc.length);
        int es = 3 + sizeOfDescriptor(dcd) + 3;
        w.startFull("esds", 0, 0);
        descriptorHeader(w, 0x03, es);
        w.u16(t.isoTrackId()).u8(0);
        descriptorHeader(w, 0x04, dcd);
        w.u8(0x40).u8(0x15).u24(0).u32(bitrate).u32(bitrate);
        descriptorHeader(w, 0x05, asc.length);
        w.bytes(asc);
        descriptorHeader(w, 0x06, 1);
        w.u8(0x02);
        w.end();
    }

    private static int sizeOfDescriptor(int payload) {
        return 1 + lengthBytes(payload) + payload;
    }

    private static int lengthBytes(int len) {
        return len < 0x80 ? 1 : len < 0x4000 ? 2 : len < 0x20_0000 ? 3 : 4;
    }

    private static void descriptorHeader(BoxWriter w, int tag, int len) {
        w.u8(tag);
        int n = lengthBytes(len);
        for (int i = n - 1; i > 0; i--) {
            w.u8(0x80 | ((len >>> (7 * i)) & 0x7F));
        }
        w.u8(len & 0x7F);
    }

    /**
     * {@code dOps} (Opus in ISO BMFF §4.3.2) from an {@code OpusHead} (RFC 7845 §5.1): the same fields, big-endian.
     *
     * @throws IllegalArgumentException if {@code head} is not an OpusHead
     */
    private static void dOps(BoxWriter w, byte[] head) {
        if (head.length < 19 || !new String(head, 0, 8, StandardCharsets.US_ASCII).equals("OpusHead")) {
            throw new IllegalArgumentException("Opus codec configuration: " + head.length + " bytes (expected: an OpusHead, RFC 7845 §5.1)");
        }
        int channels = head[9] & 0xFF;
        int preSkip = (head[10] & 0xFF) | (head[11] & 0xFF) << 8;
        long inputRate = (head[12] & 0xFFL) | (head[13] & 0xFFL) << 8 | (head[14] & 0xFFL) << 16 | (head[15] & 0xFFL) << 24;
        int gain = (head[16] & 0xFF) | (head[17] & 0xFF) << 8;
        int family = head[18] & 0xFF;
        w.start("dOps").u8(0).u8(channels).u16(preSkip).u32(inputRate).u16(gain).u8(family);
        if (family != 0) {
            w.bytes(head, 19, Math.min(head.length - 19, 2 + channels));
        }
        w.end();
    }

    /** Seconds from the NTP epoch (1900) to the Unix epoch (1970). */
    private static final long NTP_UNIX_OFFSET_S = 2_208_988_800L;

    /**
     * A producer reference time box ({@code prft}, ISO/IEC 14496-12 §8.16.5, version 1): the wall-clock
     * time at which the sample with decode time {@code mediaTime} was produced, as an NTP timestamp.
     *
     * @param isoTrackId  {@code reference_track_ID}
     * @param wallClockMs wall-clock time, ms since the Unix epoch
     * @param mediaTime   decode time in the track's timescale (the chunk's {@code tfdt})
     */
    public static byte[] prft(int isoTrackId, long wallClockMs, long mediaTime) {
        long seconds = Math.floorDiv(wallClockMs, 1000) + NTP_UNIX_OFFSET_S;
        long fraction = (Math.floorMod(wallClockMs, 1000) << 32) / 1000;
        BoxWriter w = new BoxWriter(32);
        w.startFull("prft", 1, 0).u32(isoTrackId).u32(seconds).u32(fraction).u64(mediaTime).end();
        return w.toByteArray();
    }

    /**
     * The start of one CMAF chunk: {@code moof} ({@code mfhd}, then per track {@code traf} with {@code tfhd}
     * default-base-is-moof, {@code tfdt} version 1 and {@code trun} version 1 with durations, sizes, flags and signed
     * composition offsets) and the header of the one {@code mdat} that follows it; the caller appends the runs'
     * payloads in the order of {@code runs} ({@code trun} data offsets count from the {@code moof}'s first byte).
     *
     * @param sequenceNumber {@code mfhd} sequence number, &ge; 1, increasing
     * @param runs           per track, the samples in decode order; tracks without samples are left out
     * @return {@code moof} + the 8-octet {@code mdat} header
     */
    static byte[] fragmentHead(long sequenceNumber, List<SampleRun> runs) {
        int payload = payloadBytes(runs);
        BoxWriter w = new BoxWriter(256);
        int moofStart = w.position();
        w.start("moof");
        w.startFull("mfhd", 0, 0).u32(sequenceNumber).end();
        int[] dataOffsetAt = new int[runs.size()];
        int i = 0;
        for (SampleRun r : runs) {
            w.start("traf");
            w.startFull("tfhd", 0, 0x02_0000).u32(r.track().isoTrackId()).end();
            w.startFull("tfdt", 1, 0).u64(r.baseMediaDecodeTime()).end();
            w.startFull("trun", 1, 0x000001 | 0x000100 | 0x000200 | 0x000400 | 0x000800).u32(r.size());
            dataOffsetAt[i++] = w.position();
            w.u32(0);
            for (int s = 0; s < r.size(); s++) {
                w.u32(r.duration(s)).u32(r.sampleSize(s)).u32(r.sync(s) ? SYNC_SAMPLE_FLAGS : NON_SYNC_SAMPLE_FLAGS)
                        .u32(r.compositionOffset(s));
            }
            w.end().end();
        }
        w.end();
        int moofSize = w.position() - moofStart;
        long mdatSize = 8L + payload;
        w.u32(mdatSize).fourCc("mdat");
        int offset = moofSize + 8;
        i = 0;
        for (SampleRun r : runs) {
            w.patchU32(dataOffsetAt[i++], offset);
            offset += r.payloadBytes();
        }
        return w.toByteArray();
    }

    /** The runs' payload octets (the {@code mdat} body). */
    static int payloadBytes(List<SampleRun> runs) {
        int payload = 0;
        for (SampleRun r : runs) {
            payload += r.payloadBytes();
        }
        return payload;
    }
}
