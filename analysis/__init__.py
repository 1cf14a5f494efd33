"""Text analysis that every other package may use, and which imports none of them:
normalisation, the query language, the rule matcher, entity aliases and snippets."""
