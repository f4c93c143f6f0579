package dev.persistence.reliability;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.AccessMode;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardOpenOption;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.spi.FileSystemProvider;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The default filesystem with faults injected on demand: a failing file create, write, file
 * fsync, directory fsync, rename or delete, and a disk that fills up after a number of bytes. Paths of
 * this filesystem reach the real files; only the armed operations fail, each with an
 * {@link IOException} whose message says it was injected. A fault armed with {@link #failNext}
 * fails only that many times; {@link #holdNext} makes an operation wait for the test.
 *
 * <p>
 * With {@link #modelPageCache} it also models the page cache below one directory and can cut
 * the power (see {@link PageCache}); fsyncs are then simulated, not passed to the real disk.
 */
final class FaultyFileSystem extends FileSystem {

    enum Fault {
        CREATE,
        WRITE,
        FORCE_FILE,
        FORCE_DIRECTORY,
        MOVE,
        DELETE
    }

    private final FileSystem real = FileSystems.getDefault();
    private final Provider provider = new Provider();
    private final Set<Fault> armed = EnumSet.noneOf(Fault.class);
    private final Map<Fault, Integer> remaining = new EnumMap<>(Fault.class);
    private volatile PageCache pageCache;
    private final Map<Fault, CountDownLatch[]> holds = new EnumMap<>(Fault.class);
    private final AtomicLong spaceLeft = new AtomicLong(Long.MAX_VALUE);
    final AtomicInteger injected = new AtomicInteger();
    /** Every real path whose existence or attributes were looked up, in order. */
    final Queue<Path> lookups = new ConcurrentLinkedQueue<>();

    synchronized void arm(Fault fault) {
        armed.add(fault);
    }

    /** Fails the next {@code times} operations of the kind, then lets them pass again. */
    synchronized void failNext(Fault fault, int times) {
        arm(fault);
        remaining.put(fault, times);
    }

    /**
     * Holds the next operation of the kind once it has passed its armed-failure check, before it
     * runs: it counts {@code entered} down, then waits for {@code release}. (Only file creates and
     * fsyncs hold.)
     */
    synchronized void holdNext(Fault fault, CountDownLatch entered, CountDownLatch release) {
        holds.put(fault, new CountDownLatch[] { entered, release });
    }

    private void maybeHold(Fault fault) throws IOException {
        CountDownLatch[] hold;
        synchronized (this) {
            hold = holds.remove(fault);
        }
        if (hold != null) {
            hold[0].countDown();
            try {
                if (!hold[1].await(60, TimeUnit.SECONDS)) {
                    throw new IOException("held " + fault + " never released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while held");
            }
        }
    }

    synchronized void disarm() {
        armed.clear();
        remaining.clear();
        spaceLeft.set(Long.MAX_VALUE);
    }

    /** Every write beyond {@code bytes} more fails like a full disk. */
    void fillUpAfter(long bytes) {
        spaceLeft.set(bytes);
    }

    /**
     * From now on, models the page cache below the real directory {@code base} (which must hold
     * no symbolic links): what is in it now counts as on disk. Random choices come from {@code seed}.
     */
    PageCache modelPageCache(Path base, long seed) throws IOException {
        PageCache cache = new PageCache(unwrap(base), seed);
        pageCache = cache;
        return cache;
    }

    /** This filesystem's view of a real path. */
    Path wrap(Path path) {
        return path == null ? null : new FaultyPath(this, path);
    }

    private synchronized void maybeFail(Fault fault, Object what) throws IOException {
        if (armed.contains(fault)) {
            Integer left = remaining.get(fault);
            if (left != null && left <= 1) {
                armed.remove(fault);
                remaining.remove(fault);
            } else if (left != null) {
                remaining.put(fault, left - 1);
            }
            injected.incrementAndGet();
            throw new IOException("Injected " + fault + " failure on " + what);
        }
    }

    private static Path unwrap(Path path) {
        return path instanceof FaultyPath faulty ? faulty.real : path;
    }

    @Override
    public FileSystemProvider provider() {
        return provider;
    }

    @Override
    public void close() {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean isOpen() {
        return true;
    }

    @Override
    public boolean isReadOnly() {
        return false;
    }

    @Override
    public String getSeparator() {
        return real.getSeparator();
    }

    @Override
    public Iterable<Path> getRootDirectories() {
        List<Path> roots = new ArrayList<>();
        real.getRootDirectories().forEach(r -> roots.add(wrap(r)));
        return roots;
    }

    @Override
    public Iterable<FileStore> getFileStores() {
        return real.getFileStores();
    }

    @Override
    public Set<String> supportedFileAttributeViews() {
        return real.supportedFileAttributeViews();
    }

    @Override
    public Path getPath(String first, String... more) {
        return wrap(real.getPath(first, more));
    }

    @Override
    public PathMatcher getPathMatcher(String syntaxAndPattern) {
        PathMatcher matcher = real.getPathMatcher(syntaxAndPattern);
        return p -> matcher.matches(unwrap(p));
    }

    @Override
    public UserPrincipalLookupService getUserPrincipalLookupService() {
        return real.getUserPrincipalLookupService();
    }

    @Override
    public WatchService newWatchService() {
        throw new UnsupportedOperationException();
    }

    private final class Provider extends FileSystemProvider {
        private final FileSystemProvider delegate = real.provider();

        @Override
        public String getScheme() {
            return "faulty";
        }

        @Override
        public FileSystem newFileSystem(URI uri, Map<String, ?> env) {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileSystem getFileSystem(URI uri) {
            return FaultyFileSystem.this;
        }

        @Override
        public Path getPath(URI uri) {
            return wrap(delegate.getPath(uri));
        }

        @Override
        public SeekableByteChannel newByteChannel(Path path, Set<? extends OpenOption> options,
                FileAttribute<?>... attrs) throws IOException {
            return newFileChannel(path, options, attrs);
        }

        @Override
        public FileChannel newFileChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
                throws IOException {
            Path target = unwrap(path);
            if (options.contains(StandardOpenOption.CREATE_NEW) || options.contains(StandardOpenOption.CREATE)) {
                maybeFail(Fault.CREATE, target);
                maybeHold(Fault.CREATE);
            }
            PageCache cache = pageCache;
            if (cache == null) {
                return new FaultyChannel(delegate.newFileChannel(target, options, attrs), target,
                        Files.isDirectory(target), null);
            }
            synchronized (cache) { // the real change and the model's, as one step
                boolean creates = cache.beforeOpen(target, options);
                FileChannel channel = delegate.newFileChannel(target, options, attrs);
                PageCache.Node node = cache.opened(target, creates, options);
                return new FaultyChannel(channel, target, Files.isDirectory(target), node);
            }
        }

        @Override
        public DirectoryStream<Path> newDirectoryStream(Path dir, DirectoryStream.Filter<? super Path> filter)
                throws IOException {
            DirectoryStream<Path> entries = delegate.newDirectoryStream(unwrap(dir), p -> filter.accept(wrap(p)));
            return new DirectoryStream<>() {
                @Override
                public Iterator<Path> iterator() {
                    Iterator<Path> it = entries.iterator();
                    return new Iterator<>() {
                        @Override
                        public boolean hasNext() {
                            return it.hasNext();
                        }

                        @Override
                        public Path next() {
                            return wrap(it.next());
                        }
                    };
                }

                @Override
                public void close() throws IOException {
                    entries.close();
                }
            };
        }

        @Override
        public void createDirectory(Path dir, FileAttribute<?>... attrs) throws IOException {
            PageCache cache = pageCache;
            if (cache == null) {
                delegate.createDirectory(unwrap(dir), attrs);
                return;
            }
            synchronized (cache) {
                cache.beforeMutation(unwrap(dir));
                delegate.createDirectory(unwrap(dir), attrs);
                cache.createdDirectory(unwrap(dir));
            }
        }

        @Override
        public void createSymbolicLink(Path link, Path target, FileAttribute<?>... attrs) throws IOException {
            delegate.createSymbolicLink(unwrap(link), unwrap(target), attrs);
        }

        @Override
        public void delete(Path path) throws IOException {
            maybeFail(Fault.DELETE, path);
            PageCache cache = pageCache;
            if (cache == null) {
                delegate.delete(unwrap(path));
                return;
            }
            synchronized (cache) {
                cache.beforeMutation(unwrap(path));
                cache.detaching(unwrap(path));
                delegate.delete(unwrap(path));
                cache.deleted(unwrap(path));
            }
        }

        @Override
        public void copy(Path source, Path target, CopyOption... options) throws IOException {
            delegate.copy(unwrap(source), unwrap(target), options);
        }

        @Override
        public void move(Path source, Path target, CopyOption... options) throws IOException {
            maybeFail(Fault.MOVE, source);
            PageCache cache = pageCache;
            if (cache == null) {
                delegate.move(unwrap(source), unwrap(target), options);
                return;
            }
            synchronized (cache) {
                cache.beforeMutation(unwrap(target));
                cache.detaching(unwrap(target));
                delegate.move(unwrap(source), unwrap(target), options);
                cache.moved(unwrap(source), unwrap(target));
            }
        }

        @Override
        public boolean isSameFile(Path path, Path path2) throws IOException {
            return delegate.isSameFile(unwrap(path), unwrap(path2));
        }

        @Override
        public boolean isHidden(Path path) throws IOException {
            return delegate.isHidden(unwrap(path));
        }

        @Override
        public FileStore getFileStore(Path path) throws IOException {
            return delegate.getFileStore(unwrap(path));
        }

        @Override
        public void checkAccess(Path path, AccessMode... modes) throws IOException {
            lookups.add(unwrap(path));
            delegate.checkAccess(unwrap(path), modes);
        }

        @Override
        public <V extends FileAttributeView> V getFileAttributeView(Path path, Class<V> type, LinkOption... options) {
            lookups.add(unwrap(path)); // a view reads the attributes it is asked for
            return delegate.getFileAttributeView(unwrap(path), type, options);
        }

        @Override
        public <A extends BasicFileAttributes> A readAttributes(Path path, Class<A> type, LinkOption... options)
                throws IOException {
            lookups.add(unwrap(path));
            return delegate.readAttributes(unwrap(path), type, options);
        }

        @Override
        public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options)
                throws IOException {
            lookups.add(unwrap(path));
            return delegate.readAttributes(unwrap(path), attributes, options);
        }

        @Override
        public void setAttribute(Path path, String attribute, Object value, LinkOption... options)
                throws IOException {
            delegate.setAttribute(unwrap(path), attribute, value, options);
        }

        @Override
        public Path readSymbolicLink(Path link) throws IOException {
            return wrap(delegate.readSymbolicLink(unwrap(link)));
        }
    }

    /** A real file channel whose writes and forces can be made to fail, or go to the page cache model. */
    private final class FaultyChannel extends FileChannel {
        private final FileChannel channel;
        private final Path path;
        private final boolean directory;
        private final PageCache.Node node;

        FaultyChannel(FileChannel channel, Path path, boolean directory, PageCache.Node node) {
            this.channel = channel;
            this.path = path;
            this.directory = directory;
            this.node = node;
        }

        private void beforeWrite(long bytes) throws IOException {
            maybeFail(Fault.WRITE, path);
            PageCache cache = pageCache;
            if (cache != null) {
                cache.beforeWrite(node, path);
            }
            if (spaceLeft.addAndGet(-bytes) < 0) {
                spaceLeft.addAndGet(bytes); // a write that did not happen took no space
                injected.incrementAndGet();
                throw new IOException("No space left on device (injected) writing " + path);
            }
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return channel.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return channel.read(dsts, offset, length);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            beforeWrite(src.remaining());
            return channel.write(src);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            long total = 0;
            for (int i = offset; i < offset + length; i++) {
                total += srcs[i].remaining();
            }
            beforeWrite(total);
            return channel.write(srcs, offset, length);
        }

        @Override
        public long position() throws IOException {
            return channel.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            channel.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return channel.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            channel.truncate(size);
            return this;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            maybeFail(directory ? Fault.FORCE_DIRECTORY : Fault.FORCE_FILE, path);
            maybeHold(directory ? Fault.FORCE_DIRECTORY : Fault.FORCE_FILE);
            PageCache cache = pageCache;
            if (cache != null) {
                cache.force(node, path);
            } else {
                channel.force(metaData);
            }
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return channel.transferTo(position, count, target);
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            beforeWrite(count);
            return channel.transferFrom(src, position, count);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return channel.read(dst, position);
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            beforeWrite(src.remaining());
            return channel.write(src, position);
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            return channel.map(mode, position, size);
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return channel.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return channel.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            channel.close();
        }
    }

    /** A path of this filesystem: every operation on it reaches the real path. */
    private static final class FaultyPath implements Path {
        private final FaultyFileSystem fs;
        private final Path real;

        FaultyPath(FaultyFileSystem fs, Path real) {
            this.fs = fs;
            this.real = real;
        }

        @Override
        public FileSystem getFileSystem() {
            return fs;
        }

        @Override
        public boolean isAbsolute() {
            return real.isAbsolute();
        }

        @Override
        public Path getRoot() {
            return fs.wrap(real.getRoot());
        }

        @Override
        public Path getFileName() {
            return fs.wrap(real.getFileName());
        }

        @Override
        public Path getParent() {
            return fs.wrap(real.getParent());
        }

        @Override
        public int getNameCount() {
            return real.getNameCount();
        }

        @Override
        public Path getName(int index) {
            return fs.wrap(real.getName(index));
        }

        @Override
        public Path subpath(int beginIndex, int endIndex) {
            return fs.wrap(real.subpath(beginIndex, endIndex));
        }

        @Override
        public boolean startsWith(Path other) {
            return other instanceof FaultyPath f && real.startsWith(f.real);
        }

        @Override
        public boolean endsWith(Path other) {
            return other instanceof FaultyPath f && real.endsWith(f.real);
        }

        @Override
        public Path normalize() {
            return fs.wrap(real.normalize());
        }

        @Override
        public Path resolve(Path other) {
            return fs.wrap(real.resolve(unwrap(other)));
        }

        @Override
        public Path relativize(Path other) {
            return fs.wrap(real.relativize(unwrap(other)));
        }

        @Override
        public URI toUri() {
            return real.toUri();
        }

        @Override
        public Path toAbsolutePath() {
            return fs.wrap(real.toAbsolutePath());
        }

        @Override
        public Path toRealPath(LinkOption... options) throws IOException {
            return fs.wrap(real.toRealPath(options));
        }

        @Override
        public WatchKey register(WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int compareTo(Path other) {
            return real.compareTo(unwrap(other));
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof FaultyPath f && real.equals(f.real);
        }

        @Override
        public int hashCode() {
            return real.hashCode();
        }

        @Override
        public String toString() {
            return real.toString();
        }
    }
}
