/**
 * The HTTP server pipeline every Sluice server shares ({@link io.sluice.core.netty.http.HttpServerPipeline}):
 * HTTP/1.1 and HTTP/2 (h2 over TLS by ALPN, h2c by upgrade or prior knowledge) in front of HTTP/1 object
 * handlers, with connection, stream, header, body and time bounds.
 */
package io.sluice.core.netty.http;
