/** The dynamic MPD of low-latency DASH (ISO/IEC 23009-1, DASH-IF low-latency guidelines) from the same CMAF segments. */
package io.sluice.http.dash;
