package io.sluice.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The consumer project the invoker builds (src/it/readme-consumer) is the README, word for word: each README Java
 * block that declares a class is that class's source file, every such file is in the README, and the README's
 * dependency block is the consumer's POM between its {@code README: dependencies} markers.
 */
class ReadmeSnippetsTest {
    static final Path ROOT = Path.of(System.getProperty("sluice.root", ".."));
    static final Path CONSUMER = ROOT.resolve("consumer-test/src/it/readme-consumer");
    static final Pattern BLOCK = Pattern.compile("```(java|xml)\\n(.*?)```", Pattern.DOTALL);
    static final Pattern CLASS = Pattern.compile("^public class (\\w+)", Pattern.MULTILINE);

    static List<String[]> blocks() throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        List<String[]> blocks = new ArrayList<>();
        Matcher m = BLOCK.matcher(readme);
        while (m.find()) {
            blocks.add(new String[] {m.group(1), m.group(2)});
        }
        return blocks;
    }

    @Test
    void everyReadmeClassIsAConsumerSourceFileAndTheOtherWayRound() throws Exception {
        TreeSet<String> inReadme = new TreeSet<>();
        for (String[] b : blocks()) {
            Matcher c = CLASS.matcher(b[1]);
            if (b[0].equals("java") && c.find()) {
                String name = c.group(1);
                inReadme.add(name);
                Path file = CONSUMER.resolve("src/main/java/" + name + ".java");
                assertTrue(Files.isRegularFile(file), "README class " + name + " has no " + file);
                assertEquals(Files.readString(file), b[1], "README block of " + name + " differs from " + file);
            }
        }
        TreeSet<String> inConsumer = new TreeSet<>();
        try (Stream<Path> files = Files.list(CONSUMER.resolve("src/main/java"))) {
            files.forEach(f -> inConsumer.add(f.getFileName().toString().replace(".java", "")));
        }
        assertEquals(inConsumer, inReadme, "the consumer runs exactly the README's classes");
        assertTrue(inReadme.size() >= 5, "README classes: " + inReadme);
    }

    @Test
    void theReadmeDependencyBlockIsTheConsumersPom() throws Exception {
        String pom = Files.readString(CONSUMER.resolve("pom.xml"));
        int from = pom.indexOf("  <!-- README: dependencies -->\n");
        int to = pom.indexOf("  <!-- /README: dependencies -->\n");
        assertTrue(from >= 0 && to > from, "markers in " + CONSUMER.resolve("pom.xml"));
        String expected = pom.substring(from + "  <!-- README: dependencies -->\n".length(), to)
                .replace("@project.version@", System.getProperty("sluice.version"))
                .lines().map(l -> l.startsWith("  ") ? l.substring(2) : l).reduce("", (a, l) -> a + l + "\n");
        List<String> xml = blocks().stream().filter(b -> b[0].equals("xml") && b[1].contains("sluice-bom")).map(b -> b[1]).toList();
        assertEquals(1, xml.size(), "one README dependency block");
        assertEquals(expected, xml.get(0));
    }
}
