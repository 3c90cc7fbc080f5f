"""Views of plans and drift: text (Terraform-like), JSON and Markdown (pull requests)."""
