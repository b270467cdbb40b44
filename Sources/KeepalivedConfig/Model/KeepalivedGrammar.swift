// The keyword table the block parser consults: every keyword of every
// section keepalived 2.2.7 registers, with its shape. It is derived from the
// builder's section tables, so parser and builder cannot disagree.

import ConfigModel

public struct KeepalivedGrammar: Grammar {
    /// Section path -> keyword -> shape (looked up on every line: KeywordTable.swift).
    let shapes: KeywordTable<KeywordTable<KeywordShape>>
    let sortedKeywords: [SectionPath: [String]]
    let sectionsByKeyword: [String: [SectionPath]]

    public init() {
        var s: [SectionPath: KeywordTable<KeywordShape>] = [:]
        func add<M>(_ section: Section<M>) { s[section.path] = section.shapes }
        add(TopLevelKeywords.section)
        add(GlobalKeywords.section)
        add(TrackingKeywords.trackGroup)
        add(VRRPKeywords.syncGroup)
        add(TrackingKeywords.garpGroup)
        add(VRRPKeywords.instance)
        add(VRRPKeywords.authentication)
        add(TrackingKeywords.vrrpScript)
        add(TrackingKeywords.trackProcess)
        add(IPVSKeywords.ssl)
        add(IPVSKeywords.virtualServer)
        add(IPVSKeywords.realServer)
        add(CheckerKeywords.misc)
        add(CheckerKeywords.smtp)
        add(CheckerKeywords.smtpHost)
        add(CheckerKeywords.tcp)
        add(CheckerKeywords.ping)
        add(CheckerKeywords.udp)
        add(CheckerKeywords.httpGet)
        add(CheckerKeywords.url)
        add(CheckerKeywords.sslGet)
        add(CheckerKeywords.sslURL)
        add(CheckerKeywords.dns)
        add(CheckerKeywords.file)
        add(CheckerKeywords.bfd)
        add(TrackingKeywords.bfdInstance)
        add(TrackingKeywords.trackFileSection)
        add(TrackingKeywords.vrrpTrackFileSection)
        shapes = KeywordTable(s.map { ($0.key.path, $0.value) })
        sortedKeywords = s.mapValues { $0.allKeys.sorted() }
        var by: [String: [SectionPath]] = [:]
        for (section, table) in s {
            for k in table.allKeys { by[k, default: []].append(section) }
        }
        sectionsByKeyword = by.mapValues { $0.sorted { $0.path < $1.path } }
    }

    public static let shared = KeepalivedGrammar()

    public func shape(of keyword: String, in section: SectionPath) -> KeywordShape? {
        shapes[section.path]?[keyword]
    }

    public func shapes(in section: SectionPath) -> SectionShapes {
        let table = shapes[section.path]
        return SectionShapes { keyword in table?[keyword] }
    }

    public func keywords(in section: SectionPath) -> [String] {
        sortedKeywords[section] ?? []
    }

    /// The sections where `keyword` is known ("it belongs in vrrp_instance").
    public func sections(containing keyword: String) -> [SectionPath] {
        sectionsByKeyword[keyword] ?? []
    }

    /// Every section the grammar knows.
    public var sections: [SectionPath] { shapes.allKeys.sorted().map(SectionPath.init) }
}
