"""Tasks with tags, grouped on a board."""


class Task:
    def __init__(self, title, tags=[], done=False):
        self.title = title
        self.tags = tags
        self.done = done

    def tag(self, *labels):
        for label in labels:
            if label not in self.tags:
                self.tags.append(label)

    def __repr__(self):
        return f"Task({self.title!r}, tags={self.tags!r}, done={self.done})"


class Board:
    def __init__(self):
        self.tasks = []

    def add(self, title, tags=None):
        if any(t.title == title for t in self.tasks):
            raise ValueError(f"duplicate task {title!r}")
        task = Task(title) if tags is None else Task(title, tags)
        self.tasks.append(task)
        return task

    def find(self, title):
        for task in self.tasks:
            if task.title == title:
                return task
        raise KeyError(title)

    def complete(self, title):
        self.find(title).done = True

    def open_titles(self):
        return [t.title for t in self.tasks if not t.done]

    def with_tag(self, label):
        return [t.title for t in self.tasks if label in t.tags]
