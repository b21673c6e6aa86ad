package io.sluice.http.push;

/**
 * A snapshot of one {@link OriginPush}'s counters.
 *
 * @param writesSucceeded {@code PUT}s and {@code DELETE}s the origin took
 * @param writesFailed    writes given up after their retries, or at once for a status no retry helps (403, 405…)
 * @param writesDropped   writes never tried because the queue was over its bound (the origin is slower than the
 *                        stream); a queued playlist replaced by a newer version of itself is not counted
 * @param retries         writes tried again after a retryable failure
 * @param bytesWritten    body bytes of the {@code PUT}s that succeeded
 * @param queuedWrites    writes waiting or in flight now
 * @param queuedBytes     their body bytes
 * @param segmentsPushed  segments whose media writes have settled (stored or given up)
 * @param lastFailure     the newest failure, or {@code null} if none; it names the method, URL or file and status
 */
public record OriginPushStats(long writesSucceeded, long writesFailed, long writesDropped, long retries, long bytesWritten,
                              int queuedWrites, long queuedBytes, long segmentsPushed, OriginWriteException lastFailure) {
}
