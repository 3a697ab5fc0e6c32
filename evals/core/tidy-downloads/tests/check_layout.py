"""The expected layout of /app/downloads: every file where the rules put it, unchanged."""

import hashlib
import os
import sys

ROOT = "/app/downloads"
EXPECTED = {
    "archives/backup.zip": "1558bb798cd1e9d7ab88c5032ab8541577c8722095a1c038f5fd7528e92db29c",
    "archives/logs.tar.gz": "497ce9fab7ff4ed0ac082c80c9da2c5579483935ad0fbda4b8e2a07596e1b123",
    "archives/photos.tgz": "55fee0b62da61023ede3b1e593c0a2197f1dad1c074d4ba834b48ee7fba9fc7f",
    "audio/song.mp3": "4f143d0df55777223851c49baf348533e8604941f9e399a39f09d1b4f56479b8",
    "audio/voice memo.WAV": "72442a0854014c8d4cfe03ffaf687e232fcd65a1e4a896f0f9da95ff593a2daf",
    "documents/Meeting notes.docx": "6c242d2b5b93023a9f0825b710cc72f2166d6e81b3bbf178be877d1bcd50b608",
    "documents/README.md": "0fe229687096ade17841b7bac0423ee614a3c50a792c0efcef6a7a6a8e48b05a",
    "documents/invoice-2024-03.pdf": "51ab41ce8e86e2830dddfc47fb304b62721840cd9062a309ff8407c8adfc4d00",
    "documents/todo.txt": "409baa381eaebfc8c71676ecb0eed6659ea7510b4b42f101b152c7f0696150c5",
    "images/IMG_0042.JPG": "cb08657b179c5a69dc63850ac19ff9fdd3593145142c37461554464f5c469a32",
    "images/diagram.svg": "fb91f9a03c202c5f160eef644da6f2f704b19ac5c5f8b4c124e1b0b485ad57a0",
    "images/holiday photo.png": "4c8c2f495c27cb1f3fed33bcc7b7b33d5f6ef40dc5e5dd3aec8303000bc971d2",
    "images/party.gif": "3cf815fc3053dafe38db36ef0977b9d027a43bc1ed0d4c5377aa580378bc57f6",
    "images/scan 2024-03-01.jpeg": "69a2453cb9c8157978dae2967912dfa6b4685d14c41c839a433b08a2146429e2",
    "old stuff/letter.txt": "78051faade059d70866df6a3fb83ef348721fd74a87e93ef95c493f87d0d236b",
    "other/data": "578c05eae46cb1dfaf27d47f7a5ccb7876c2eb5aa6fa93671ea2724f00349f95",
    "other/report.pdf.bak": "f80616c8d59fb5a1a513b6b39bdffc7eccd80a0c890dec7337c0a200aea5f4ae",
    "other/setup.exe": "7052a0c0b9e2b1213fb81b12c2e631c4760aef02d4a2e8eff77ab9f2630b27c4"
}

actual = {}
directories = set()
for dirpath, dirs, files in os.walk(ROOT):
    directories.update(os.path.relpath(os.path.join(dirpath, d), ROOT) for d in dirs)
    for name in files:
        path = os.path.join(dirpath, name)
        with open(path, "rb") as handle:
            actual[os.path.relpath(path, ROOT)] = hashlib.sha256(handle.read()).hexdigest()
problems = []
for name in sorted(set(EXPECTED) | set(actual)):
    if name not in actual:
        problems.append(f"missing: {name}")
    elif name not in EXPECTED:
        problems.append(f"unexpected: {name}")
    elif actual[name] != EXPECTED[name]:
        problems.append(f"content changed: {name}")
wanted_dirs = {os.path.dirname(name) for name in EXPECTED}
for directory in sorted(directories - wanted_dirs):
    problems.append(f"unexpected or empty folder: {directory}")
for problem in problems:
    print("layout:", problem)
sys.exit(1 if problems else 0)
