package io.sluice.kafka;

import io.sluice.core.events.StreamEvent;
import io.sluice.core.events.StreamEventListener;
import io.sluice.core.hub.StreamHub;
import io.sluice.core.time.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exports a hub's {@link StreamEvent}s and per-stream sliding-window aggregates ({@link StreamWindow},
 * 10 s by default) to Kafka, as JSON ({@link ExportJson}) keyed by stream name:
 *
 * <pre>{@code
 * KafkaStreamExporter exporter = KafkaStreamExporter.builder(hub)
 *         .bootstrapServers("kafka-1:9092")
 *         .build();          // starts exporting; close() stops
 * exporter.recordLatency("live/demo", 412_000); // a player measured 412 ms glass-to-glass
 * }</pre>
 *
 * <h2>Threads</h2>
 * The hub's event listener only enqueues (a bounded queue, {@link Builder#queueCapacity(int)}; events
 * that find it full are dropped and counted, {@link #droppedEvents()}), so it never blocks a Netty
 * event loop. One thread, {@code sluice-kafka-exporter}, sends the events, and every
 * {@link Builder#interval(Duration)} samples {@link StreamHub#snapshot()} and sends each stream's
 * window. Sends are asynchronous; a failed send is logged and counted ({@link #failedSends()}).
 * Thread-safe.
 */
public final class KafkaStreamExporter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KafkaStreamExporter.class);

    private final StreamHub hub;
    private final Ticker ticker;
    private final Producer<String, String> producer;
    private final boolean ownsProducer;
    private final String eventsTopic;
    private final String windowsTopic;
    private final long intervalNanos;
    private final StreamWindows windows;
    private final BlockingQueue<Object> queue;
    private final StreamEventListener listener;
    private final Thread thread;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private volatile boolean closed;

    private record Latency(String stream, long atNanos, long latencyUs) {
    }

    private record Freeze(String stream, long atNanos) {
    }

    private KafkaStreamExporter(Builder b) {
        this.hub = b.hub;
        this.ticker = hub.ticker();
        this.ownsProducer = b.producer == null;
        this.producer = b.producer != null ? b.producer : newProducer(b);
        this.eventsTopic = b.eventsTopic;
        this.windowsTopic = b.windowsTopic;
        this.intervalNanos = b.interval.toNanos();
        this.windows = new StreamWindows(b.window.toNanos(), 10_000);
        this.queue = new ArrayBlockingQueue<>(b.queueCapacity);
        this.listener = this::offer;
        this.thread = new Thread(this::run, "sluice-kafka-exporter");
        thread.setDaemon(true);
        hub.addEventListener(listener);
        thread.start();
    }

    private static Producer<String, String> newProducer(Builder b) {
        if (b.bootstrapServers == null) {
            throw new IllegalStateException("bootstrapServers or producer must be set");
        }
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrapServers);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "sluice-exporter");
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "5000");
        p.putAll(b.producerConfig);
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    public static Builder builder(StreamHub hub) {
        return new Builder(Objects.requireNonNull(hub, "hub"));
    }

    /**
     * Reports a latency of {@code stream} known to the application (e.g. glass-to-glass measured by a
     * player, or a pipeline's encode latency); it counts in the windows' p95. Any thread; does not block.
     *
     * @param latencyUs µs, ≥ 0
     * @throws IllegalArgumentException if negative
     */
    public void recordLatency(String stream, long latencyUs) {
        if (latencyUs < 0) {
            throw new IllegalArgumentException("latencyUs: " + latencyUs + " (expected: >= 0)");
        }
        offer(new Latency(Objects.requireNonNull(stream, "stream"), ticker.nanoTime(), latencyUs));
    }

    /**
     * Reports a freeze a viewer of {@code stream} saw; it counts in the windows. Any thread; does not block.
     * Freezes that players report through the hub ({@link StreamEvent.ViewerFreeze}, e.g. from the WHEP watch
     * page) are counted already: use this only for players the hub does not know.
     */
    public void recordFreeze(String stream) {
        offer(new Freeze(Objects.requireNonNull(stream, "stream"), ticker.nanoTime()));
    }

    /** Events and reports dropped because the queue was full. */
    public long droppedEvents() {
        return dropped.get();
    }

    /** Records Kafka did not acknowledge. */
    public long failedSends() {
        return failed.get();
    }

    /** Records Kafka acknowledged. */
    public long sentRecords() {
        return sent.get();
    }

    private void offer(Object item) {
        if (closed || !queue.offer(item)) {
            dropped.incrementAndGet();
        }
    }

    private void run() {
        long nextWindow = ticker.nanoTime() + intervalNanos;
        List<Object> batch = new ArrayList<>();
        try {
            while (!closed || !queue.isEmpty()) {
                long wait = Math.max(0, nextWindow - ticker.nanoTime());
                Object first = queue.poll(Math.min(wait, TimeUnit.MILLISECONDS.toNanos(200)), TimeUnit.NANOSECONDS);
                if (first != null) {
                    batch.add(first);
                    queue.drainTo(batch, 1023);
                    for (Object o : batch) {
                        handle(o);
                    }
                    batch.clear();
                }
                long now = ticker.nanoTime();
                if (now >= nextWindow) {
                    windows.sample(now, hub.snapshot());
                    long timeMs = ticker.wallClockMicros() / 1000;
                    for (StreamWindow w : windows.aggregates(now)) {
                        send(windowsTopic, w.stream(), ExportJson.window(w, timeMs));
                    }
                    nextWindow = now + intervalNanos;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("Kafka exporter stopped", e);
        }
    }

    private void handle(Object o) {
        if (o instanceof StreamEvent e) {
            long timeMs = (ticker.wallClockMicros() - (ticker.nanoTime() - e.atNanos()) / 1000) / 1000;
            send(eventsTopic, e.stream(), ExportJson.event(e, timeMs));
            if (e instanceof StreamEvent.ViewerFreeze f) { // the hub's viewers report their own freezes
                for (int i = 0; i < f.freezes(); i++) {
                    windows.freeze(f.stream(), f.atNanos());
                }
            }
        } else if (o instanceof Latency l) {
            windows.latency(l.stream(), l.atNanos(), l.latencyUs());
        } else if (o instanceof Freeze f) {
            windows.freeze(f.stream(), f.atNanos());
        }
    }

    private void send(String topic, String key, String value) {
        try {
            producer.send(new ProducerRecord<>(topic, key, value), (md, err) -> {
                if (err != null) {
                    if (failed.getAndIncrement() % 1000 == 0) {
                        log.warn("Kafka exporter: a record to '{}' failed ({} failed so far)", topic, failed.get(), err);
                    }
                } else {
                    sent.incrementAndGet();
                }
            });
        } catch (RuntimeException e) { // KafkaException, TimeoutException from metadata waits
            failed.incrementAndGet();
            log.warn("Kafka exporter: cannot send to '{}'", topic, e);
        }
    }

    /**
     * Stops listening, sends what is queued, flushes, and closes the producer if the exporter made it
     * (waits up to 10 s). Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        hub.removeEventListener(listener);
        closed = true;
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.flush();
        if (ownsProducer) {
            producer.close(Duration.ofSeconds(10));
        }
    }

    /** Builder; setters validate at once. */
    public static final class Builder {
        private final StreamHub hub;
        private String bootstrapServers;
        private final Map<String, Object> producerConfig = new java.util.HashMap<>();
        private Producer<String, String> producer;
        private String eventsTopic = "sluice.stream-events";
        private String windowsTopic = "sluice.stream-windows";
        private Duration window = Duration.ofSeconds(10);
        private Duration interval = Duration.ofSeconds(1);
        private int queueCapacity = 10_000;

        private Builder(StreamHub hub) {
            this.hub = hub;
        }

        /** Kafka's {@code bootstrap.servers}, e.g. {@code "kafka-1:9092,kafka-2:9092"}. */
        public Builder bootstrapServers(String servers) {
            if (servers == null || servers.isBlank()) {
                throw new IllegalArgumentException("bootstrapServers: '" + servers + "' (expected: host:port[,host:port...])");
            }
            this.bootstrapServers = servers;
            return this;
        }

        /** An extra producer setting (security, compression...), overriding the exporter's defaults. */
        public Builder producerConfig(String key, Object value) {
            producerConfig.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** A producer the application owns (not closed by the exporter); replaces bootstrapServers. */
        public Builder producer(Producer<String, String> producer) {
            this.producer = Objects.requireNonNull(producer, "producer");
            return this;
        }

        /** The topic of the events; default {@code sluice.stream-events}. */
        public Builder eventsTopic(String topic) {
            this.eventsTopic = topic(topic);
            return this;
        }

        /** The topic of the window aggregates; default {@code sluice.stream-windows}. */
        public Builder windowsTopic(String topic) {
            this.windowsTopic = topic(topic);
            return this;
        }

        private static String topic(String t) {
            if (t == null || !t.matches("[A-Za-z0-9._-]{1,249}")) {
                throw new IllegalArgumentException("topic: '" + t + "' (expected: 1..249 characters of [A-Za-z0-9._-])");
            }
            return t;
        }

        /** The sliding window the aggregates cover, 1 s..1 h; default 10 s. */
        public Builder window(Duration window) {
            if (window.compareTo(Duration.ofSeconds(1)) < 0 || window.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException("window: " + window + " (expected: 1 s..1 h)");
            }
            this.window = window;
            return this;
        }

        /** How often the hub is sampled and each stream's window is sent, 100 ms..1 min; default 1 s. */
        public Builder interval(Duration interval) {
            if (interval.compareTo(Duration.ofMillis(100)) < 0 || interval.compareTo(Duration.ofMinutes(1)) > 0) {
                throw new IllegalArgumentException("interval: " + interval + " (expected: 100 ms..1 min)");
            }
            this.interval = interval;
            return this;
        }

        /** Events and reports waiting to be sent, 16..1000000; default 10000. */
        public Builder queueCapacity(int capacity) {
            if (capacity < 16 || capacity > 1_000_000) {
                throw new IllegalArgumentException("queueCapacity: " + capacity + " (expected: 16..1000000)");
            }
            this.queueCapacity = capacity;
            return this;
        }

        /**
         * Starts exporting.
         *
         * @throws IllegalStateException if neither bootstrapServers nor producer is set
         */
        public KafkaStreamExporter build() {
            return new KafkaStreamExporter(this);
        }
    }
}
