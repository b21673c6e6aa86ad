package io.sluice.codec.ffmpeg;

import io.sluice.core.spi.BandwidthEstimate;
import io.sluice.core.spi.TransportFeedback;
import io.sluice.core.spi.TransportState;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Test helper: records the states a transport reports. */
final class RecordingFeedback implements TransportFeedback {
    final List<TransportState> states = new CopyOnWriteArrayList<>();

    @Override
    public void onStateChanged(TransportState state, Throwable cause) {
        states.add(state);
    }

    @Override
    public void onKeyframeRequest(int trackId, String reason) {
    }

    @Override
    public void onBandwidthEstimate(BandwidthEstimate estimate) {
    }

    @Override
    public void onWritabilityChanged(boolean writable) {
    }
}
