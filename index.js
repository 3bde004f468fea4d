// This file is intentionally empty: n8n loads nodes and credentials through the "n8n" block of package.json.
