import Testing

@testable import OptionsModel
