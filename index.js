// Not shipped (package.json has no "main"): n8n loads the nodes and credentials listed in the "n8n" block of package.json from dist/.
