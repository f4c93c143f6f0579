package dev.persistence.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The raw NIO steps the file benchmarks measure the client against: what a hand-written program
 * would call, with no lock, no check and no permission handling.
 */
final class RawWrites {

    /** How the temp file's data reaches the disk before the rename. */
    enum FileSync {
        NONE,
        FDATASYNC,
        FSYNC
    }

    private RawWrites() {
    }

    /** Writes {@code data} to a new temp file beside {@code target}, syncs it and renames it over {@code target}. */
    static Path writeRenamed(Path target, byte[] data, FileSync sync) throws IOException {
        Path temp = target.resolveSibling("." + target.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(data));
            if (sync != FileSync.NONE) {
                channel.force(sync == FileSync.FSYNC);
            }
        }
        return Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    }

    /** {@code fsync} of a directory: its entries (a rename, a create) reach the disk. */
    static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
            directory.force(true);
        }
    }
}
