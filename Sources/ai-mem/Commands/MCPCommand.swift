import AIMemCore
import ArgumentParser
import Foundation
import Glibc
import MemoryServer
import MemoryStore
import SentenceEmbedding
import Vault

struct MCPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Serve this store to an AI assistant: a Model Context Protocol server on standard input and output.",
        discussion: """
            The assistant starts `ai-mem mcp` and talks to it over stdin/stdout (JSON-RPC, one message per line); \
            logs go to stderr. The tools: memory_search, memory_get, memory_timeline, memory_stats, memory_add, \
            memory_edit, memory_delete. The store and the embedding model stay open while the server runs; other \
            ai-mem commands (sync, merge, add) may run beside it. The server exits when the assistant closes its input.
            """
    )

    @OptionGroup var homeOptions: HomeOptions

    /// The longest message accepted (a memory_add of a long note fits; a larger line is refused and skipped).
    static let maxMessageBytes = 4 << 20

    /// How long a write waits for another process's (a merge, a sync) before the tool says the store is busy.
    static let busyWait: TimeInterval = 30

    static let instructions = """
        This server is your long-term memory across sessions, shared with your teammates' memories that they sent. \
        At the start of a task, memory_search for the project, component or error at hand, and read what comes back \
        before you decide. When you learn something worth keeping (a decision and its reason, a fix, a gotcha, where \
        something lives), store it with memory_add, written to stand alone. Prefer memory_edit over adding a near \
        duplicate of your own memory; a teammate's memory (author.is_you false) is theirs: weigh it by its author and \
        date, and add your own if you disagree. Forget wrong or outdated memories with memory_delete. Never store \
        secrets (keys, tokens, passwords).
        """

    func run() throws {
        let home = homeOptions.resolved
        // Only protocol messages on the real stdout: anything else any layer might print
        // goes to stderr.
        let protocolOut = dup(1)
        guard protocolOut >= 0, dup2(2, 1) >= 0 else { throw CommandError("cannot set up standard output (errno \(errno))") }
        signal(SIGPIPE, SIG_IGN)
        // A client ends a server by closing its input, then SIGTERM: whatever signal mask
        // and dispositions the client's process gave us, these end the server.
        var ending = sigset_t()
        sigemptyset(&ending)
        for s in [SIGTERM, SIGINT, SIGHUP] {
            signal(s, SIG_DFL)
            sigaddset(&ending, s)
        }
        pthread_sigmask(SIG_UNBLOCK, &ending, nil)
        let selection = try EmbedderSelection.make(EmbedderSettings.request(home: home))
        if let notice = selection.notice { Terminal.notice(notice) }
        let store = try MemoryStore(home: home, embedder: selection.embedder, busyWait: Self.busyWait, onBusy: {
            Terminal.notice("mcp: another ai-mem is writing to the store; waiting up to \(Int(Self.busyWait)) s")
        }, keepsVectorIndexInMemory: true)
        let tools = MemoryTools(store: store, keys: KeyStore(home: home), defaultProject: Defaults.project)
        let server = MCPServer(
            info: MCPServer.Info(name: "ai-mem", version: AIMem.configuration.version, instructions: Self.instructions),
            tools: tools.all, log: { Terminal.notice("mcp: \($0)") })
        try server.serve(MessageChannel(input: 0, output: protocolOut, maxMessageBytes: Self.maxMessageBytes))
    }
}
