import Foundation

/// The encoder's int8 linear layers, packed once and kept in a file beside the
/// model (`model.safetensors.int8-v1`), so that a command embedding one query maps
/// them in instead of quantising 10 million weights (about 7 ms of two cores)
/// each time it starts.
///
/// The cache is derived data, trusted no more than the model file it sits beside:
/// it is used only when it is a regular file owned by this user and writable by
/// no one else, names the model file it was made from (size, modification time,
/// inode, device and a fingerprint of sampled bytes), holds exactly the layers
/// the configuration asks for (count, shapes, total size) and only finite,
/// non-negative scales. Anything else is ignored and the layers are packed again.
/// It is written to a temporary file and renamed into place; a directory that
/// cannot be written just means no cache.
///
/// Layout, little-endian: a 64-byte header (magic `AIMEMI8\n`, version u32,
/// layer count u32, the source's size u64, mtime seconds i64 and nanoseconds
/// i64, inode u64, device u64, fingerprint u64); then each layer's inputs and
/// outputs as u32 pairs; then, for each layer, at 64-byte aligned offsets, its
/// packed weights (outputs·inputs bytes), scales (f32), weight sums (i32) and
/// bias (f32), one per output.
struct QuantizedWeightsCache {
    static let magic: [UInt8] = Array("AIMEMI8\n".utf8)
    static let version: UInt32 = 1
    static let headerBytes = 64
    /// The weights' layers may not exceed this many (MiniLM has 24).
    static let maxLayers = 1024

    /// Where the cache is kept.
    enum Location: Sendable {
        /// `<weights>.int8-v1`, beside the model file (the default).
        case besideWeights
        /// At this path (tests).
        case file(String)
        /// Nowhere: the layers are packed every time.
        case nowhere
    }

    let path: String
    let sourcePath: String

    /// The cache of the layers packed from `weightsPath`, or nil for `.nowhere`.
    init?(weightsPath: String, location: Location) {
        sourcePath = weightsPath
        switch location {
        case .besideWeights: path = weightsPath + ".int8-v\(Self.version)"
        case .file(let path): self.path = path
        case .nowhere: return nil
        }
    }

    /// What identifies the model file the layers were packed from.
    struct Source: Equatable {
        var size: UInt64, seconds: Int64, nanoseconds: Int64, inode: UInt64, device: UInt64, fingerprint: UInt64

        /// Reads `path`'s identity; nil when it cannot be read.
        init?(path: String) {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return nil }
            defer { close(fd) }
            var info = stat()
            guard fstat(fd, &info) == 0, info.st_size > 0 else { return nil }
            size = UInt64(info.st_size)
            seconds = Int64(info.st_mtim.tv_sec)
            nanoseconds = Int64(info.st_mtim.tv_nsec)
            inode = UInt64(info.st_ino)
            device = UInt64(info.st_dev)
            guard let fingerprint = Self.fingerprint(fd: fd, size: Int(info.st_size)) else { return nil }
            self.fingerprint = fingerprint
        }

        init(size: UInt64, seconds: Int64, nanoseconds: Int64, inode: UInt64, device: UInt64, fingerprint: UInt64) {
            (self.size, self.seconds, self.nanoseconds, self.inode, self.device, self.fingerprint) = (size, seconds, nanoseconds, inode, device, fingerprint)
        }

        /// FNV-1a (64-bit) over the first 64 KiB (the header and the start of the
        /// data), 256 bytes at every MiB and the last 4 KiB: a model replaced by
        /// another of the same size and time is still noticed.
        static func fingerprint(fd: Int32, size: Int) -> UInt64? {
            var hash: UInt64 = 0xCBF2_9CE4_8422_2325
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            func mix(offset: Int, count: Int) -> Bool {
                let count = min(count, size - offset)
                guard count > 0 else { return true }
                let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
                guard n == count else { return false }
                for i in 0..<n { hash = (hash ^ UInt64(buffer[i])) &* 0x0000_0100_0000_01B3 }
                return true
            }
            guard mix(offset: 0, count: 1 << 16) else { return nil }
            var offset = 1 << 20
            while offset < size {
                guard mix(offset: offset, count: 256) else { return nil }
                offset += 1 << 20
            }
            guard mix(offset: max(0, size - 4096), count: 4096) else { return nil }
            return hash
        }
    }

    /// Where each layer's arrays start, and the file's whole size.
    static func offsets(_ shapes: [(inputs: Int, outputs: Int)]) -> (layers: [(packed: Int, scales: Int, sums: Int, bias: Int)], total: Int) {
        func aligned(_ n: Int) -> Int { (n + 63) & ~63 }
        var at = aligned(headerBytes + 8 * shapes.count)
        var layers: [(packed: Int, scales: Int, sums: Int, bias: Int)] = []
        for shape in shapes {
            let packed = at
            let scales = aligned(packed + shape.inputs * shape.outputs)
            let sums = aligned(scales + 4 * shape.outputs)
            let bias = aligned(sums + 4 * shape.outputs)
            at = aligned(bias + 4 * shape.outputs)
            layers.append((packed, scales, sums, bias))
        }
        return (layers, at)
    }

    func header(source: Source, shapes: [(inputs: Int, outputs: Int)]) -> [UInt8] {
        var out = Self.magic
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        put(Self.version)
        put(UInt32(shapes.count))
        put(source.size); put(source.seconds); put(source.nanoseconds); put(source.inode); put(source.device); put(source.fingerprint)
        for shape in shapes { put(UInt32(shape.inputs)); put(UInt32(shape.outputs)) }
        return out
    }

    /// The cached layers of these shapes, or nil when there is no usable cache.
    func load(shapes: [(inputs: Int, outputs: Int)]) -> [QuantizedLinear]? {
        guard shapes.count <= Self.maxLayers, let source = Source(path: sourcePath) else { return nil }
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        let usable = fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG && info.st_uid == geteuid()
            && info.st_mode & (S_IWGRP | S_IWOTH) == 0
        let (layout, total) = Self.offsets(shapes)
        guard usable, Int(info.st_size) == total, let file = try? MappedFile(descriptor: fd, path: path), file.bytes.count == total else { return nil }
        let expected = header(source: source, shapes: shapes)
        guard expected.withUnsafeBytes({ memcmp($0.baseAddress!, file.bytes.baseAddress!, expected.count) == 0 }) else { return nil }
        let base = file.bytes.baseAddress!
        var layers: [QuantizedLinear] = []
        for (shape, at) in zip(shapes, layout) {
            let scales = (base + at.scales).assumingMemoryBound(to: Float.self)
            guard (0..<shape.outputs).allSatisfy({ scales[$0].isFinite && scales[$0] >= 0 }) else { return nil }
            layers.append(QuantizedLinear(inputs: shape.inputs, outputs: shape.outputs,
                                          packed: (base + at.packed).assumingMemoryBound(to: Int8.self), scales: scales,
                                          sums: (base + at.sums).assumingMemoryBound(to: Int32.self),
                                          bias: (base + at.bias).assumingMemoryBound(to: Float.self), storage: file))
        }
        return layers
    }

    /// Writes `layers` for next time; returns whether the cache is now in place
    /// (false when the directory cannot be written, which only costs speed).
    @discardableResult
    func store(_ layers: [QuantizedLinear]) -> Bool {
        guard layers.count <= Self.maxLayers, let source = Source(path: sourcePath) else { return false }
        let shapes = layers.map { (inputs: $0.inputs, outputs: $0.outputs) }
        let (layout, total) = Self.offsets(shapes)
        var bytes = [UInt8](repeating: 0, count: total)
        let head = header(source: source, shapes: shapes)
        bytes.replaceSubrange(0..<head.count, with: head)
        bytes.withUnsafeMutableBytes { raw in
            for (layer, at) in zip(layers, layout) {
                let n = layer.outputs
                (raw.baseAddress! + at.packed).copyMemory(from: layer.packed, byteCount: layer.inputs * n)
                (raw.baseAddress! + at.scales).copyMemory(from: layer.scales, byteCount: 4 * n)
                (raw.baseAddress! + at.sums).copyMemory(from: layer.sums, byteCount: 4 * n)
                (raw.baseAddress! + at.bias).copyMemory(from: layer.bias, byteCount: 4 * n)
            }
        }
        #if _endian(big)
        #error("the cache is little-endian; big-endian hosts are not supported")
        #endif
        var suffix = [UInt8](repeating: 0, count: 8)
        arc4random_buf(&suffix, suffix.count)
        let temporary = path + ".tmp-" + suffix.map { String($0, radix: 16) }.joined()
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { return false }
        var written = 0
        while written < total {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, total - written) }
            guard n > 0 else { break }
            written += n
        }
        let synced = written == total && fsync(fd) == 0
        close(fd)
        guard synced, rename(temporary, path) == 0 else {
            unlink(temporary)
            return false
        }
        return true
    }
}
