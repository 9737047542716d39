import AIMemCore

/// Errors of the embedders: the local model's files and the HTTP embedding server.
public enum EmbeddingError: UserFacingError, Equatable {
    /// The model directory lacks a file the model needs.
    case modelMissing(directory: String, file: String)
    /// A model file is malformed, or does not describe the expected model.
    case invalidModel(reason: String)
    /// The embedding server could not be reached or answered badly.
    case server(url: String, reason: String)
    /// A system library the local model needs (OpenBLAS) cannot be loaded.
    case library(String)
    /// The embedder configuration is incomplete or contradictory.
    case configuration(String, hint: String?)

    public var message: String {
        switch self {
        case .modelMissing(let directory, let file):
            return "the sentence-embedding model is not in \(directory): \(file) is missing"
        case .invalidModel(let reason):
            return "cannot load the sentence-embedding model: \(reason)"
        case .server(let url, let reason):
            return "the embedding server at \(url) failed: \(reason)"
        case .library(let text):
            return text
        case .configuration(let text, _):
            return text
        }
    }

    public var hint: String? {
        switch self {
        case .modelMissing, .invalidModel:
            return "run scripts/fetch-model.sh to fetch all-MiniLM-L6-v2, or set AI_MEM_MODEL_DIR to a directory holding it"
        case .server:
            return "check that the server is running and serves POST /v1/embeddings (ai-mem config get embedder.url)"
        case .library:
            return "install OpenBLAS (Debian: apt-get install libopenblas-dev), or choose another embedder: ai-mem config set embedder lexical"
        case .configuration(_, let hint):
            return hint
        }
    }
}
