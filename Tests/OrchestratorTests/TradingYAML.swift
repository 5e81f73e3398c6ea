/// The collection and strategy under which IWM trades readily on the simulator: wide strikes, a loose
/// credit floor, no open-interest gate, any IV rank. Shared by every test that needs a trade; each adds
/// its own storage, execution, risk and http sections.
let readilyTradingIWM = """
    collection:
      symbols: [IWM]
      dte_min: 30
      dte_max: 60
      max_expiries: 1
      strike_range_pct: 0.10
      open_interest: off
    strategy:
      min_credit_fraction: 0.05
      # IV rank is measured from the gateway's IV history: these tests trade whatever it is.
      min_iv_rank: 0
      min_open_interest: 0
      spread_width: 2
      short_delta_min: 0.15
      short_delta_max: 0.40
      max_spread_pct_of_mid: 1.0

    """
