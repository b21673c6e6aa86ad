# Build step (examples/pom.xml, phase package, after the shaded jar): installs the launcher target/sluice and
# makes target/sluice.jsa, the AppCDS archive it uses, from a training run of target/sluice.jar:
#   1. `sluice stream --input pattern:640x360 --to training.mkv --duration 2s` (pattern source, H.264 + AAC encode,
#      Matroska muxing) makes a clip;
#   2. `sluice stream --input training.mkv --to training-out.mkv --duration 1s` (file demux, decode, downmix and
#      resample, encode, mux) runs with -XX:DumpLoadedClassList, which lists every class it loaded;
#   3. `java -Xshare:dump` archives the JDK's and the jar's classes of that list in one static archive. A static
#      archive (not -XX:ArchiveClassesAtExit's dynamic one) because JDK 17 archives pre-Java-6 class files only
#      statically: picocli's ~170 classes are Java 5 bytecode, which the dynamic archive left to be parsed and
#      checked by the old verifier at every start.
# Usage: cds-archive.sh JAVA TARGET_DIR SCRIPT_DIR. Skip with -Dsluice.cds.skip=true. A failed training run is a
# warning, not a build failure: the launcher then runs without an archive.
set -eu
java=$1
target=$2
src=$3
cp "$src/sluice" "$target/sluice"
chmod +x "$target/sluice"
work="$target/cds-training"
rm -rf "$work" "$target/sluice.jsa"
mkdir -p "$work"
if "$java" -jar "$target/sluice.jar" stream --input pattern:640x360 --to "$work/training.mkv" --duration 2s --quiet &&
    "$java" -XX:DumpLoadedClassList="$work/classes.lst" -jar "$target/sluice.jar" \
        stream --input "$work/training.mkv" --to "$work/training-out.mkv" --duration 1s --quiet &&
    "$java" -Xshare:dump -XX:SharedClassListFile="$work/classes.lst" -XX:SharedArchiveFile="$target/sluice.jsa" \
        -Xlog:cds=off -cp "$target/sluice.jar" > "$work/dump.log" 2>&1; then
    echo "cds-archive.sh: $target/sluice.jsa ($(wc -c < "$target/sluice.jsa") bytes) and the launcher $target/sluice"
else
    # Not fatal: the launcher runs the jar without an archive (e.g. no FFmpeg natives for this platform).
    rm -f "$target/sluice.jsa"
    [ -f "$work/dump.log" ] && cat "$work/dump.log" >&2
    echo "cds-archive.sh: WARNING: the training run failed; no sluice.jsa (the launcher $target/sluice works without it)" >&2
fi
rm -rf "$work"
