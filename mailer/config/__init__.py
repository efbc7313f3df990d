"""The config: `settings` (the validated settings object, `load_settings`), `base`
(shared field types), `yamlsource` (YAML read with positions), `errors` (file:line messages),
`check` (`mailer check`) and `rule_errors`.
"""
