"""The handbook (policy and guides), facilitator training, and sharing what was learned."""
