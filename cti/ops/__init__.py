"""Operations tools: the local Asterisk sandbox and the check of an admin's Asterisk configuration."""
