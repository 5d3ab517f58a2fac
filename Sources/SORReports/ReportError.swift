import Foundation

/// Problems making the files that leave the site (PDFs).
public enum ReportError: Error, Equatable, LocalizedError, Sendable {
    /// A font the PDFs embed is not installed.
    case fontMissing(path: String)
    /// libharu refused an operation while `document` was being made; `code` and `detail` are its error numbers
    /// (`HPDF_*` in hpdf_error.h), `operation` what SOR was doing.
    case pdf(document: String, operation: String, code: UInt, detail: UInt)

    public var errorDescription: String? {
        switch self {
        case .fontMissing(let path):
            "font \(path) is missing: the PDFs embed DejaVu Sans. Install it (`apt-get install fonts-dejavu-core fonts-dejavu-extra`)."
        case .pdf(let document, let operation, let code, let detail):
            "PDF \(document): libharu failed while \(operation) (error 0x\(String(code, radix: 16, uppercase: true)), detail \(detail)). "
                + "This is a bug in SOR's PDF layout: report it with the document's name."
        }
    }
}
