"""Helpers shared by tests: fakes of the call session, Asterisk's FastAGI side and the clock;
data sets; polling with deadlines; a cuttable TCP proxy; private brokers and databases."""
