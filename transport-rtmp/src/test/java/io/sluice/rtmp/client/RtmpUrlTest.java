package io.sluice.rtmp.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class RtmpUrlTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            // url | host | port | app | stream name | tcUrl
            "rtmp://127.0.0.1/live/key | 127.0.0.1 | 1935 | live | key | rtmp://127.0.0.1:1935/live",
            "rtmp://example.com:1936/live/key | example.com | 1936 | live | key | rtmp://example.com:1936/live",
            "rtmps://example.com/live/key | example.com | 443 | live | key | rtmps://example.com:443/live",
            "rtmp://h/app/instance/key | h | 1935 | app/instance | key | rtmp://h:1935/app/instance",
            "rtmp://h/app/instance/a/b | h | 1935 | app/instance | a/b | rtmp://h:1935/app/instance",
            "rtmp://h/vod/mp4:dir/file.mp4 | h | 1935 | vod | mp4:dir/file.mp4 | rtmp://h:1935/vod",
            "rtmp://h/live/key?token=abc&e=1 | h | 1935 | live | key?token=abc&e=1 | rtmp://h:1935/live",
            "rtmp://h/live?token=abc/key | h | 1935 | live?token=abc | key | rtmp://h:1935/live?token=abc",
            "rtmp://h/live/key%20x?sig=a%2Fb | h | 1935 | live | key%20x?sig=a%2Fb | rtmp://h:1935/live",
            "rtmp://[::1]:1940/live/key | ::1 | 1940 | live | key | rtmp://[::1]:1940/live",
            "RTMP://H/live/key | H | 1935 | live | key | rtmp://H:1935/live",
    })
    void splitsLikeFfmpeg(String url, String host, int port, String app, String name, String tcUrl) {
        RtmpUrl u = RtmpUrl.parse(URI.create(url));
        assertEquals(host, u.host());
        assertEquals(port, u.port());
        assertEquals(app, u.app());
        assertEquals(name, u.streamName());
        assertEquals(tcUrl, u.tcUrl());
        assertEquals(url.toLowerCase().startsWith("rtmps"), u.isSecure());
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://h/live/key", "rtmp:///live/key", "rtmp://h", "rtmp://h/", "rtmp://h/live",
            "rtmp://h/live/", "rtmp://h//key", "rtmp://h/live/?x=1"})
    void rejectsUrlsWithoutHostAppOrKey(String url) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RtmpUrl.parse(URI.create(url)));
        assertTrue(e.getMessage().contains("expected"), e.getMessage());
    }

    @Test
    void toStringHidesTheStreamKey() {
        RtmpUrl u = RtmpUrl.parse(URI.create("rtmp://h/live/secret123"));
        assertFalse(u.toString().contains("secret123"), u.toString());
        assertEquals("rtmp://h:1935/live", u.serverUrl());
    }
}
