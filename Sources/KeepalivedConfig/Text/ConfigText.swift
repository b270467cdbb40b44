// The text side in one call: a file (and its includes) -> ConfigNode trees.
//
//   let nodes = ConfigText.parse(file: path, host: host, grammar: grammar,
//                                diagnostics: diags, options: options)
//
// or, to keep memory flat on large configurations, one top-level node at a
// time (the lines and nodes of a block are released once it is handed over):
//
//   ConfigText.parse(file: path, ..., each: { node in builder.add(node) })

public enum ConfigText {
    public static func parse(file path: String, host: Host, grammar: any Grammar, diagnostics: Diagnostics,
                             options: PreprocessorOptions = PreprocessorOptions()) -> [ConfigNode] {
        let parser = BlockParser(grammar: grammar, diagnostics: diagnostics)
        Preprocessor(host: host, diagnostics: diagnostics, options: options).run(file: path) { parser.consume($0) }
        return parser.finish()
    }

    public static func parse(file path: String, host: Host, grammar: any Grammar, diagnostics: Diagnostics,
                             options: PreprocessorOptions = PreprocessorOptions(),
                             each: @escaping (consuming ConfigNode) -> Void) {
        let parser = BlockParser(grammar: grammar, diagnostics: diagnostics, onTopLevel: each)
        Preprocessor(host: host, diagnostics: diagnostics, options: options).run(file: path) { parser.consume($0) }
        _ = parser.finish()
    }
}
