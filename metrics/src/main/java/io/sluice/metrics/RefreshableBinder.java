package io.sluice.metrics;

import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * A {@link MeterBinder} whose set of meters follows live state (streams, sessions, tracks that come
 * and go): {@link #refresh()} adds meters for what appeared and removes those of what ended.
 * {@link SluiceMetrics#scrape()} refreshes before it reads; an application pushing to another
 * registry calls {@link SluiceMetrics#refresh()} on its own schedule.
 */
public interface RefreshableBinder extends MeterBinder {
    /** Brings the meters up to date. Any thread; callers serialise (SluiceMetrics does). */
    void refresh();
}
