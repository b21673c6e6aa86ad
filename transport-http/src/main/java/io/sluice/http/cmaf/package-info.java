/**
 * A pure-Java CMAF segmenter (ISO/IEC 23000-19 on ISO/IEC 14496-12): init segments and {@code moof}+{@code mdat}
 * chunks for H.264, H.265, AAC and Opus, cut sans-IO by {@link io.sluice.http.cmaf.CmafSegmenter}.
 */
package io.sluice.http.cmaf;
