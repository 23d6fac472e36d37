"""Operations state: the scheduler's lease, each periodic job's schedule and its recorded runs."""
