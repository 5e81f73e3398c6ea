extension DashboardPage {
    /// The page's style: one column on a phone, cards and charts in a grid on a laptop; colors that
    /// read on light and dark screens.
    static let css = """
        :root{--bg:#fbfbfd;--fg:#1d1d22;--mute:#6b6b76;--line:#d9d9e0;--card:#fff;--up:#168a45;--down:#c62b2b;\
        --warn:#b26a00;--s0:#2f5fd0;--s1:#0f8f8f;--s2:#b3479b}
        @media (prefers-color-scheme:dark){:root{--bg:#15161a;--fg:#e8e8ee;--mute:#9a9aa6;--line:#34353d;\
        --card:#1d1e24;--up:#3fbf6f;--down:#ef5f5f;--warn:#e0a030;--s0:#7aa2ff;--s1:#45c8c8;--s2:#e07ad0}}
        *{box-sizing:border-box}body{margin:0;font:15px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;\
        background:var(--bg);color:var(--fg)}
        header{padding:12px 16px;border-bottom:1px solid var(--line)}h1{margin:0;font-size:20px}
        .meta,.note,small,figcaption{color:var(--mute);font-size:13px}
        main{padding:8px 16px 32px;max-width:1280px;margin:0 auto}
        section{margin:20px 0}h2{font-size:18px;border-bottom:1px solid var(--line);padding-bottom:4px}
        h3{font-size:15px;margin:14px 0 6px}
        .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:8px}
        .card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:8px 10px}
        .card .label{display:block;color:var(--mute);font-size:12px}.card .value{font-size:20px;font-weight:600}
        .up{color:var(--up)}.down{color:var(--down)}.warn{color:var(--warn)}
        .banner{padding:10px 12px;border-radius:8px;border:1px solid var(--line);background:var(--card)}
        .banner.warn{border-color:var(--warn)}.empty{color:var(--mute);font-style:italic}
        .scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:14px}
        th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}
        th{color:var(--mute);font-weight:600}
        td.st.ok{color:var(--up)}td.st.partial{color:var(--warn)}td.st.failed{color:var(--down)}
        figure{margin:8px 0}.chart{width:100%;height:auto;display:block;background:var(--card);\
        border:1px solid var(--line);border-radius:6px}
        .grid2{display:grid;grid-template-columns:1fr;gap:8px}
        @media (min-width:900px){.grid2{grid-template-columns:1fr 1fr}}
        .symbol{border-top:1px dashed var(--line);padding-top:6px}
        .facts{display:flex;flex-wrap:wrap;gap:4px 18px;margin:4px 0}.facts div{min-width:90px}
        .facts dt{color:var(--mute);font-size:12px}.facts dd{margin:0;font-weight:600}
        .plain{list-style:none;padding:0}
        .chart .grid{stroke:var(--line);stroke-width:1}.chart .zero{stroke:var(--mute);stroke-width:1}
        .chart .axis,.chart .legend{fill:var(--mute);font-size:11px}
        .chart .line{fill:none;stroke-width:2}.chart .line.s0{stroke:var(--s0)}.chart .line.s1{stroke:var(--s1)}
        .chart .line.s2{stroke:var(--s2)}.chart .dot.s0{fill:var(--s0)}.chart .dot.s1{fill:var(--s1)}
        .chart .dot.s2{fill:var(--s2)}.chart .legend.s1{fill:var(--s1)}.chart .legend.s2{fill:var(--s2)}
        .chart .drawdown{fill:var(--down);fill-opacity:.22;stroke:none}
        .chart .bar.up{fill:var(--up)}.chart .bar.down{fill:var(--down)}
        .timeline .cell.ok,.timeline .cell.uptrend{fill:var(--up)}.timeline .cell.partial{fill:var(--warn)}
        .timeline .cell.failed,.timeline .cell.downtrend{fill:var(--down)}
        .timeline .cell.running,.timeline .cell.neutral,.timeline .cell.unknown{fill:var(--mute)}
        """
}
