/**
 * {@link io.sluice.core.hub.StreamHub}: in-process fan-out of published streams to subscribers
 * (RTMP players, WebRTC viewers, recorders), with a GOP cache so a new subscriber starts at a keyframe.
 */
package io.sluice.core.hub;
