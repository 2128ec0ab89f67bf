"""The ACI target: Azure ML v1 web services published to Azure Container Instances through Azure
Resource Manager, with the endpoint front beside the scoring container (keys, limits, TLS)."""
